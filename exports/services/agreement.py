"""Agreement at export time: the bar a specification sets per criterion, and the refusal.

Alpha comes from the agreement service (``project_criterion_alpha``: each project's submitted
reviews on its rubric version, at each criterion's level of measurement), so the dashboard and
the export never disagree. A specification spanning several projects must clear the bar in
every one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import ConflictError
from core.models import Project
from review.selectors.access import review_settings_for
from review.selectors.agreement import rubric_for_agreement
from review.services.agreement import project_criterion_alpha, project_pair_alpha
from rubrics.models import Rubric

# DPO pairs from pair items rest on the reviewers' choices against the principles for pairs;
# pairs from rewrites, on the session rubric's scores.
PAIR_ITEM_SOURCES = frozenset({"pairwise", "imported", "margins"})


class ExportRefused(ConflictError):
    """The specification cannot be built now; the text says why in the user's words."""


@dataclass(frozen=True)
class CriterionAgreement:
    code: str
    project: str
    rubric: str | None
    alpha: float | None
    bar: float | None

    @property
    def below_bar(self) -> bool:
        return self.bar is not None and (self.alpha is None or self.alpha < self.bar)

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "rubric": self.rubric,
            "alpha": self.alpha,
            "bar": self.bar,
        }


def specification_agreement(
    *,
    projects: Iterable[Project],
    bars: Mapping[str, Any],
    all_criteria: bool = False,
    kind: str = "sft",
    dpo_sources: Sequence[str] = (),
) -> list[CriterionAgreement]:
    """Alpha in every project of every criterion with a bar, and with ``all_criteria`` of
    every criterion of the rubrics the rows come from too (what the manifest records, bar or
    not).

    SFT rows come from sessions scored on the project's rubric. DPO pairs from pair items come
    from the reviewers' choices on the principles for pairs (nominal alpha per principle and
    "choice" for the overall choice); pairs from rewrites from the session rubric, as SFT.
    A bar applies to the rubric that has its code (the session rubric when neither has it).
    """
    if not bars and not all_criteria:
        return []
    from_sessions = kind != "dpo" or "rewrites" in dpo_sources
    from_pairs = kind == "dpo" and bool(PAIR_ITEM_SOURCES & set(dpo_sources))
    measured = []
    for project in sorted(projects, key=lambda p: p.slug):
        sources: list[tuple[Rubric | None, dict[str, float | None], set[str]]] = []
        if from_sessions:
            rubric = rubric_for_agreement(project=project)
            alphas = project_criterion_alpha(project=project, rubric=rubric) if rubric else {}
            codes = set(rubric.criteria.values_list("code", flat=True)) if rubric else set()
            sources.append((rubric, alphas, codes))
        if from_pairs:
            pair_rubric = review_settings_for(project=project).pair_rubric
            codes = {"choice"}
            if pair_rubric is not None:
                codes |= set(pair_rubric.criteria.values_list("code", flat=True))
            sources.append((pair_rubric, project_pair_alpha(project=project), codes))
        unclaimed = set(bars) - set().union(*(codes for _r, _a, codes in sources))
        for index, (rubric, alphas, codes) in enumerate(sources):
            wanted = set(bars) & codes
            if index == 0:
                wanted |= unclaimed
            if all_criteria:
                wanted |= codes
            for code in sorted(wanted):
                bar = bars.get(code)
                measured.append(
                    CriterionAgreement(
                        code=code,
                        project=project.slug,
                        rubric=str(rubric) if rubric else None,
                        alpha=alphas.get(code),
                        bar=float(bar) if bar is not None else None,
                    )
                )
    return measured


def agreement_by_criterion(*, agreement: list[CriterionAgreement]) -> dict[str, list[Any]]:
    """What the manifest and the summary record: per criterion, one entry per project."""
    table: dict[str, list[Any]] = {}
    for entry in agreement:
        table.setdefault(entry.code, []).append(entry.as_dict())
    return table


def agreement_check(*, agreement: list[CriterionAgreement]) -> None:
    """Refuse, naming every criterion below its bar with its alpha and the bar."""
    problems = []
    for entry in agreement:
        if not entry.below_bar:
            continue
        values = {"code": entry.code, "project": entry.project, "bar": entry.bar}
        if entry.alpha is None:
            problems.append(
                _(
                    "%(code)s: agreement cannot be measured in %(project)s yet (too few items "
                    "with two or more reviews, or no variation); the bar is %(bar).2f"
                )
                % values
            )
        else:
            problems.append(
                _("%(code)s: alpha %(alpha).3f in %(project)s is below the bar of %(bar).2f")
                % (values | {"alpha": entry.alpha})
            )
    if problems:
        raise ExportRefused(
            _("Agreement is too low to export: %(problems)s") % {"problems": "; ".join(problems)}
        )
