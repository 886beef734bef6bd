"""Agreement at export time: the bar a specification sets per criterion, and the refusal.

The alpha is computed here from the projects' submitted Score rows with the pure statistics of
review.agreement (no bootstrap: the export needs the point estimate, fast). When the agreement
helper's ``review.services.agreement.project_criterion_alpha`` is available it takes over, so the
dashboard and the export can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.utils.translation import gettext as _

from core.models import Project
from review.agreement import reliability
from review.models import Review, Score
from rubrics.models import Criterion


class ExportRefused(Exception):
    """The specification cannot be built now; the text says why in the user's words."""


@dataclass(frozen=True)
class CriterionAgreement:
    code: str
    alpha: float | None
    items: int
    bar: float | None

    @property
    def below_bar(self) -> bool:
        return self.bar is not None and (self.alpha is None or self.alpha < self.bar)

    def as_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "items": self.items, "bar": self.bar}


def _level(code: str, projects: Iterable[Project]) -> str:
    measurement = (
        Criterion.objects.filter(code=code, rubric__reviews__item__project__in=list(projects))
        .values_list("measurement", flat=True)
        .first()
    )
    return measurement or "ordinal"


def criterion_alpha(*, projects: Iterable[Project], code: str) -> tuple[float | None, int]:
    """Krippendorff's alpha of one criterion over the projects' submitted reviews, and the
    number of items it rests on (items with two or more ratings)."""
    projects = list(projects)
    rows = (
        Score.objects.filter(
            review__item__project__in=projects,
            review__item__is_gold=False,
            review__status=Review.Status.SUBMITTED,
            criterion__code=code,
            not_applicable=False,
            value__isnull=False,
        )
        .values_list("review__item_id", "review__reviewer_id", "value")
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["item", "rater", "value"])
    if frame.empty:
        return None, 0
    frame["value"] = frame["value"].astype(float)
    frame["criterion"] = code
    result = reliability.alpha_by_criterion(
        ratings=frame,
        levels={code: _level(code, projects)},  # type: ignore[dict-item]
        n_boot=0,
    )[code]
    return result.alpha, result.n_items


def specification_agreement(
    *, projects: Iterable[Project], bars: Mapping[str, Any]
) -> list[CriterionAgreement]:
    projects = list(projects)
    measured = []
    for code in sorted(bars):
        alpha, items = criterion_alpha(projects=projects, code=code)
        measured.append(
            CriterionAgreement(code=code, alpha=alpha, items=items, bar=float(bars[code]))
        )
    return measured


def agreement_check(*, agreement: list[CriterionAgreement]) -> None:
    """Refuse, naming every criterion below its bar with its alpha and the bar."""
    problems = []
    for entry in agreement:
        if not entry.below_bar:
            continue
        if entry.alpha is None:
            problems.append(
                _(
                    "%(code)s: agreement cannot be measured yet (%(items)d items with two or "
                    "more reviews); the bar is %(bar).2f"
                )
                % {"code": entry.code, "items": entry.items, "bar": entry.bar}
            )
        else:
            problems.append(
                _("%(code)s: alpha %(alpha).3f is below the bar of %(bar).2f")
                % {"code": entry.code, "alpha": entry.alpha, "bar": entry.bar}
            )
    if problems:
        raise ExportRefused(
            _("Agreement is too low to export: %(problems)s") % {"problems": "; ".join(problems)}
        )
