"""A project's agreement report: humans with each other, and every judge against the humans.

The report is a plain JSON-ready dict (see :func:`project_agreement` for its shape) so the same
numbers feed the dashboard, its CSV download, the API, ``agreement_report`` and the cache. The
statistics themselves are review.stats's; this module only chooses the tables and the
levels of measurement from the rubric.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

import pandas as pd

from core.models import Project
from review.selectors.agreement import (
    adjudicated_scores,
    criterion_values,
    human_ratings,
    pairwise_choices,
    rubric_criteria,
    rubric_for_agreement,
)
from review.selectors.judge_ratings import JudgeRatings, judges_for_agreement
from review.stats import (
    AlphaResult,
    Caution,
    Level,
    alpha_by_criterion,
    alpha_by_week,
    judge_alignment,
    judge_pairwise_alignment,
    judge_position_consistency,
    pairwise_agreement,
    reviewer_agreement,
)
from rubrics.models import Criterion, Rubric
from rubrics.scoring import NA_RULE, ScoreError, rubric_score

DEFAULT_BOOT = 1000
WEEK_BOOT = 200
TOP = 20


def _clean(value: Any) -> Any:
    """JSON without NaN or infinities (PostgreSQL's jsonb refuses them): they become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _clean(value.item())
    return value


def _alpha(result: AlphaResult) -> dict[str, Any]:
    return {
        "alpha": result.alpha,
        "low": result.low,
        "high": result.high,
        "n_items": result.n_items,
        "n_pairable": result.n_pairable,
        "n_raters": result.n_raters,
        "reason": str(result.reason) if result.reason else None,
        "n_boot": result.n_boot,
        "n_boot_dropped": result.n_boot_undefined,
        "ratings_per_item": result.ratings_per_item,
        "unreliable": result.unreliable,
        "warnings": [str(code) for code in result.warnings],
    }


def _level(criterion: Criterion) -> Level:
    return cast(Level, criterion.measurement)


def _levels(criteria: list[Criterion]) -> dict[str, Level]:
    return {criterion.code: _level(criterion) for criterion in criteria}


def project_criterion_alpha(*, project: Project, rubric: Rubric) -> dict[str, float | None]:
    """Alpha per criterion code of this rubric version (no interval), for export curation.

    None where alpha is undefined (fewer than two ratings on every item, or no variation).
    """
    # One criterion's ratings at a time, without timestamps: an export of a large project
    # needs only the point estimates, and this bounds both its time and its memory.
    alphas: dict[str, float | None] = {}
    for criterion in rubric_criteria(rubric=rubric):
        ratings = criterion_values(project=project, rubric=rubric, code=criterion.code)
        if ratings.empty:
            alphas[criterion.code] = None
            continue
        result = alpha_by_criterion(ratings=ratings, levels=_levels([criterion]), n_boot=0)
        alphas[criterion.code] = result[criterion.code].alpha
    return alphas


def project_pair_alpha(*, project: Project) -> dict[str, float | None]:
    """Nominal alpha (no interval) of the reviewers' pairwise choices: "choice" for the overall
    choice, each principle by its code; what a DPO export of pair items rests on."""
    choices = pairwise_choices(project=project)
    alphas: dict[str, float | None] = {}
    for code, group in choices.groupby("criterion", sort=True):
        result = pairwise_agreement(
            choices=group.drop(columns=["criterion", "created_at"]), n_boot=0
        )
        alphas[str(code) or "choice"] = result.alpha.alpha
    return alphas


def project_agreement(
    *,
    project: Project,
    rubric: Rubric | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
) -> dict[str, Any]:
    """Every agreement number of a project for one rubric version and period.

    Keys: ``rubric``, ``filters``, ``criteria`` (alpha per criterion at its level of
    measurement with its interval and counts), ``composite`` (the rubric's total), ``adjudicated``
    (adjudicated items per criterion and their mean shift from the raw median), ``pairwise``,
    ``reviewers`` (each reviewer against the others' consensus), ``weeks`` and ``judges`` (each
    judge's alignment per criterion, pairwise alignment, position consistency and largest
    disagreements), ``disagreements`` (items where reviewers are furthest apart).
    """
    rubric = rubric_for_agreement(project=project, rubric=rubric)
    report: dict[str, Any] = {
        "project": project.slug,
        "rubric": None,
        "filters": {
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
        "n_boot": n_boot,
        "seed": seed,
        "confidence": 0.95,
        "criteria": [],
        "composite": None,
        "adjudicated": [],
        "pairwise": None,
        "reviewers": [],
        "weeks": [],
        "judges": [],
        "disagreements": [],
    }
    criteria = rubric_criteria(rubric=rubric) if rubric is not None else []
    ratings = pd.DataFrame()
    if rubric is not None:
        report["rubric"] = {
            "id": rubric.pk,
            "slug": rubric.slug,
            "version": rubric.version,
            "name": rubric.name,
        }
        ratings = human_ratings(project=project, rubric=rubric, since=since, until=until)
        _human_section(
            report, ratings=ratings, criteria=criteria, rubric=rubric, n_boot=n_boot, seed=seed
        )
        report["adjudicated"] = _adjudicated(project=project, rubric=rubric, ratings=ratings)
    choices = pairwise_choices(project=project, since=since, until=until)
    report["pairwise"] = _pairwise_section(choices, n_boot=n_boot, seed=seed)
    for judge in judges_for_agreement(project=project, rubric=rubric):
        section = _judge_section(
            judge, ratings=ratings, criteria=criteria, choices=choices, n_boot=n_boot, seed=seed
        )
        if section is not None:
            report["judges"].append(section)
    return _clean(report)


def _human_section(
    report: dict[str, Any],
    *,
    ratings: pd.DataFrame,
    criteria: list[Criterion],
    rubric: Rubric,
    n_boot: int,
    seed: int,
) -> None:
    titles = {criterion.code: criterion.title for criterion in criteria}
    levels = _levels(criteria)
    if ratings.empty:
        report["criteria"] = [
            {"code": c.code, "title": c.title, "level": c.measurement, **_empty_alpha()}
            for c in criteria
        ]
        return
    results = alpha_by_criterion(ratings=ratings, levels=levels, n_boot=n_boot, seed=seed)
    report["criteria"] = [
        {"code": code, "title": titles[code], "level": levels[code], **_alpha(result)}
        for code, result in results.items()
    ]
    composite = composite_totals(ratings=ratings, rubric=rubric)
    if not composite.empty:
        result = alpha_by_criterion(
            ratings=composite.assign(criterion="total"),
            levels={"total": "interval"},
            n_boot=n_boot,
            seed=seed,
        )["total"]
        report["composite"] = {
            "code": "total",
            "level": "interval",
            "method": rubric.total_method,
            "na_rule": NA_RULE,
            **_alpha(result),
        }
    for criterion in criteria:
        frame = ratings.loc[ratings["criterion"] == criterion.code].drop(columns="criterion")
        if frame["value"].notna().sum() == 0:
            continue
        for row in reviewer_agreement(ratings=frame, level=_level(criterion)):
            report["reviewers"].append({"criterion": criterion.code, **asdict(row)})
        dated = frame.loc[frame["created_at"].notna()]
        if not dated.empty:
            weeks = alpha_by_week(
                ratings=dated, level=_level(criterion), n_boot=WEEK_BOOT, seed=seed
            )
            for week in weeks:
                report["weeks"].append(
                    {"criterion": criterion.code, "week": week.week, **_alpha(week.result)}
                )
    report["disagreements"] = _human_disagreements(ratings)


def composite_totals(*, ratings: pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Each rater's total per item, as rubrics.scoring.rubric_score computes it for review,
    judges and exports: the rubric's method, points for met criteria, NA prorated.

    A rating that leaves a criterion out, or whose scores the rubric refuses (NA where NA is
    not allowed), has no total; neither has one where every criterion is NA.
    """
    rubric = Rubric.objects.prefetch_related("criteria", "groups").get(pk=rubric.pk)
    scored: dict[tuple[str, str], dict[str, float | None]] = {}
    for item, rater, code, value in ratings[["item", "rater", "criterion", "value"]].itertuples(
        index=False
    ):
        scored.setdefault((item, rater), {})[code] = None if pd.isna(value) else float(value)
    rows = []
    for (item, rater), scores in scored.items():
        try:
            total = rubric_score(rubric=rubric, scores=scores).total
        except ScoreError:
            continue
        if total is not None:
            rows.append({"item": item, "rater": rater, "value": float(total)})
    return pd.DataFrame(rows, columns=["item", "rater", "value"])


def _empty_alpha() -> dict[str, Any]:
    return {
        "alpha": None,
        "low": None,
        "high": None,
        "n_items": 0,
        "n_pairable": 0,
        "n_raters": 0,
        "reason": "too_few_ratings",
        "n_boot": 0,
        "n_boot_dropped": 0,
        "ratings_per_item": None,
        "unreliable": True,
        "warnings": [str(Caution.FEW_ITEMS), str(Caution.FEW_RATERS)],
    }


def _human_disagreements(ratings: pd.DataFrame) -> list[dict[str, Any]]:
    """Items and criteria with the widest spread of reviewers' scores, widest first."""
    numeric = ratings.loc[ratings["value"].notna()]
    if numeric.empty:
        return []
    spread = numeric.groupby(["item", "criterion"])["value"].agg(["min", "max", "count"])
    spread = spread.loc[spread["count"] >= 2]
    spread["spread"] = spread["max"] - spread["min"]
    spread = spread.loc[spread["spread"] > 0].sort_values("spread", ascending=False, kind="stable")
    return [
        {
            "item": item,
            "criterion": criterion,
            "low": float(row["min"]),
            "high": float(row["max"]),
            "spread": float(row["spread"]),
            "n": int(row["count"]),
        }
        for (item, criterion), row in spread.head(TOP).iterrows()
    ]


def _adjudicated(
    *, project: Project, rubric: Rubric, ratings: pd.DataFrame
) -> list[dict[str, Any]]:
    final = adjudicated_scores(project=project, rubric=rubric)
    final = final.loc[final["value"].notna()]
    if final.empty:
        return []
    raw = ratings.loc[ratings["value"].notna()]
    medians = raw.groupby(["item", "criterion"])["value"].median().rename("median")
    joined = final.join(medians, on=["item", "criterion"], how="left")
    rows = []
    for code, group in joined.groupby("criterion", sort=True):
        shift = (group["value"] - group["median"]).dropna()
        rows.append(
            {
                "criterion": code,
                "n_items": len(group),
                "mean_shift": float(shift.mean()) if len(shift) else None,
            }
        )
    return rows


def _pairwise_section(choices: pd.DataFrame, *, n_boot: int, seed: int) -> dict[str, Any] | None:
    if choices.empty:
        return None

    def summary(frame: pd.DataFrame) -> dict[str, Any]:
        result = pairwise_agreement(
            choices=frame.drop(columns=["criterion", "created_at"]), n_boot=n_boot, seed=seed
        )
        return {
            **_alpha(result.alpha),
            "agreement": result.agreement,
            "n_pairs": result.n_pairs,
            "agreement_without_ties": result.agreement_without_ties,
            "n_pairs_without_ties": result.n_pairs_without_ties,
        }

    overall = choices.loc[choices["criterion"] == ""]
    return {
        "choice": summary(overall) if not overall.empty else None,
        "principles": [
            {"code": code, **summary(group)}
            for code, group in choices.loc[choices["criterion"] != ""].groupby("criterion")
        ],
    }


def _judge_section(
    judge: JudgeRatings,
    *,
    ratings: pd.DataFrame,
    criteria: list[Criterion],
    choices: pd.DataFrame,
    n_boot: int,
    seed: int,
) -> dict[str, Any] | None:
    section: dict[str, Any] = {
        "name": judge.name,
        "kind": judge.kind,
        "provenance": judge.provenance,
        "config_id": judge.config_id,
        "criteria": [],
        "pairwise": None,
        "principles": [],
        "n_one_order": 0,
        "position": None,
        "disagreements": [],
        # Items where the judge's overall choice went against the reviewers' majority.
        "pair_disagreements": [],
    }
    disagreements = []
    for criterion in criteria:
        verdicts = judge.scores.loc[judge.scores["criterion"] == criterion.code]
        humans = (
            ratings.loc[ratings["criterion"] == criterion.code, ["item", "rater", "value"]]
            if not ratings.empty
            else ratings
        )
        if verdicts.empty or humans.empty or humans["value"].notna().sum() == 0:
            continue
        alignment = judge_alignment(
            ratings=humans,
            judge=verdicts[["item", "value"]],
            level=_level(criterion),
            step=float(criterion.scale_step),
            top=TOP,
            n_boot=n_boot,
            seed=seed,
        )
        if alignment.n_items == 0:
            continue
        section["criteria"].append(
            {
                "code": criterion.code,
                "title": criterion.title,
                "level": criterion.measurement,
                "n_items": alignment.n_items,
                "humans": _alpha(alignment.humans),
                "with_judge": _alpha(alignment.with_judge),
                "spearman": alignment.spearman,
                "kappa": alignment.kappa,
                "mean_abs_error": alignment.mean_abs_error,
                "bias": alignment.bias,
                "confusion": {
                    "labels": list(alignment.confusion.labels),
                    "counts": [list(row) for row in alignment.confusion.counts],
                },
            }
        )
        disagreements += [
            {"criterion": criterion.code, **asdict(d)} for d in alignment.disagreements
        ]
    disagreements.sort(key=lambda d: -abs(d["difference"]))
    section["disagreements"] = disagreements[:TOP]
    section["n_one_order"] = judge.one_order.get("", 0)
    if not choices.empty and (not judge.choices.empty or judge.one_order):
        by_code = dict(tuple(judge.choices.groupby("criterion"))) if not judge.choices.empty else {}
        for code in sorted(set(by_code) | set(judge.one_order)):
            humans = choices.loc[choices["criterion"] == code, ["item", "rater", "value"]]
            if humans.empty:
                continue
            verdicts = by_code.get(code, pd.DataFrame(columns=["item", "value"]))
            result = judge_pairwise_alignment(
                choices=humans, judge=verdicts[["item", "value"]], top=TOP
            )
            # Pairs answered in one order only are no preference (left out above); say how
            # many, so a reader knows what the agreement does not cover.
            row = {"code": code, **asdict(result), "n_one_order": judge.one_order.get(code, 0)}
            against_majority = row.pop("disagreements")
            if code == "":
                section["pairwise"] = row
                section["pair_disagreements"] = list(against_majority)
            else:
                section["principles"].append(row)
    if not judge.orders.empty:
        section["position"] = asdict(judge_position_consistency(runs=judge.orders))
    if not section["criteria"] and section["pairwise"] is None and section["position"] is None:
        return None
    return section
