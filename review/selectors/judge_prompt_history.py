"""How well a judge followed the reviewers under each prompt version it was run with.

A judge configuration's prompt version can change (``v1`` to ``v2``); its answers keep the
version they were asked with, so the history needs no table of its own: every version that
answered is listed with when it first and last answered and, per criterion, alpha with the
judge among the reviewers, Spearman's rho and quadratic-weighted kappa against the reviewers'
median, computed by the same ``judge_alignment`` as the agreement dashboard. A lead can then see
whether a prompt change helped. Leads only, like every judge figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

import pandas as pd

from review.models import JudgeConfig, JudgeResult
from review.selectors.access import review_settings_for
from review.selectors.agreement import human_ratings
from review.stats.judges import judge_alignment
from review.stats.results import Level
from rubrics.models import Rubric

# A history table wants the point figures; a short bootstrap keeps the page quick.
HISTORY_BOOT = 200


@dataclass(frozen=True)
class CriterionAlignment:
    code: str
    n_items: int
    alpha_with_judge: float | None
    alpha_humans: float | None
    spearman: float | None
    kappa: float | None


@dataclass(frozen=True)
class PromptVersionAlignment:
    prompt_version: str
    first_answer: datetime
    last_answer: datetime
    n_answers: int
    criteria: tuple[CriterionAlignment, ...]


def _scoring_rubric(config: JudgeConfig) -> Rubric | None:
    rubric = config.rubric or review_settings_for(project=config.project).rubric
    return rubric if rubric is not None and rubric.scope == "session" else None


def judge_prompt_history(*, config: JudgeConfig) -> list[PromptVersionAlignment]:
    """One row per prompt version the judge answered with, oldest first."""
    rubric = _scoring_rubric(config)
    if rubric is None:
        return []
    answers = JudgeResult.objects.filter(
        config=config, status=JudgeResult.Status.OK, order="", rubric=rubric
    ).order_by("updated_at", "pk")
    rows: dict[str, list[tuple[int, dict[str, float | None], datetime]]] = {}
    for version, item_id, scores, when in answers.values_list(
        "prompt_version", "item_id", "scores", "updated_at"
    ):
        rows.setdefault(version, []).append((item_id, scores or {}, when))
    if not rows:
        return []
    humans = human_ratings(project=config.project, rubric=rubric)
    criteria = list(rubric.criteria.order_by("position"))
    history = []
    for version, answered in rows.items():
        judged = pd.DataFrame(
            [
                {"item": str(item_id), "criterion": code, "value": value}
                for item_id, scores, _when in answered
                for code, value in scores.items()
            ]
        )
        # Repeated samples and reruns: the latest answer per item and criterion stands.
        judged = judged.drop_duplicates(["item", "criterion"], keep="last")
        figures = []
        for criterion in criteria:
            verdicts = judged.loc[judged["criterion"] == criterion.code, ["item", "value"]]
            theirs = (
                humans.loc[humans["criterion"] == criterion.code, ["item", "rater", "value"]]
                if not humans.empty
                else humans
            )
            if verdicts.empty or theirs.empty or theirs["value"].notna().sum() == 0:
                continue
            alignment = judge_alignment(
                ratings=theirs,
                judge=verdicts,
                level=cast(Level, criterion.measurement),
                step=float(criterion.scale_step),
                n_boot=HISTORY_BOOT,
            )
            figures.append(
                CriterionAlignment(
                    code=criterion.code,
                    n_items=alignment.n_items,
                    alpha_with_judge=alignment.with_judge.alpha,
                    alpha_humans=alignment.humans.alpha,
                    spearman=alignment.spearman,
                    kappa=alignment.kappa,
                )
            )
        history.append(
            PromptVersionAlignment(
                prompt_version=version,
                first_answer=answered[0][2],
                last_answer=answered[-1][2],
                n_answers=len(answered),
                criteria=tuple(figures),
            )
        )
    history.sort(key=lambda row: row.first_answer)
    return history
