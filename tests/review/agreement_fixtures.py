"""Database fixtures for the agreement service tests: rubrics, reviews and imported ratings."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from review.models import Assignment, Review
from rubrics.models import Rubric
from tests.factories import UserFactory
from tests.review.factories import (
    AssignmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    ScoreFactory,
    SessionItemFactory,
)
from tests.rubrics.factories import CriterionFactory, RubricFactory

REFERENCE = Path("/work/shared/reference/krippendorff_2011.json")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def krippendorff_reference() -> dict:
    """The published example; the copy in tests/review/agreement_data.py when the shared
    reference folder is not on this machine."""
    if REFERENCE.exists():
        return json.loads(REFERENCE.read_text())
    from tests.review.agreement_data import KRIPPENDORFF_2011, KRIPPENDORFF_2011_ALPHA

    return {
        "observers": list(KRIPPENDORFF_2011),
        "data": list(KRIPPENDORFF_2011.values()),
        "expected_alpha": KRIPPENDORFF_2011_ALPHA,
    }


def level_rubric(*, slug: str = "k2011", low: int = 1, high: int = 5) -> Rubric:
    """A published rubric with one criterion per level of measurement, coded by the level."""
    rubric = RubricFactory(slug=slug, status=Rubric.Status.PUBLISHED)
    for position, level in enumerate(LEVELS, start=1):
        CriterionFactory(
            rubric=rubric,
            code=level,
            position=position,
            measurement=level,
            scale_min=Decimal(low),
            scale_max=Decimal(high),
            title={"en": level.title(), "zh-hans": level},
        )
    return rubric


def krippendorff_csv(path: Path) -> Path:
    """The reference data as a long ratings CSV, the same numbers under each level's criterion."""
    reference = krippendorff_reference()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "rater", "criterion", "score"])
        for level in LEVELS:
            for observer, values in zip(reference["observers"], reference["data"], strict=True):
                for unit, value in enumerate(values, start=1):
                    writer.writerow(
                        [f"unit-{unit}", observer, level, "" if value is None else value]
                    )
    return path


def reviewed_item(project, rubric, scores_by_reviewer: dict, *, item=None, when=None):
    """An item with one submitted review per reviewer: {user: {code: value or None}}."""
    item = item or SessionItemFactory(project=project)
    criteria = {c.code: c for c in rubric.criteria.all()}
    for reviewer, scores in scores_by_reviewer.items():
        assignment = AssignmentFactory(
            item=item, reviewer=reviewer, status=Assignment.Status.SUBMITTED
        )
        review = ReviewFactory(
            assignment=assignment,
            rubric=rubric,
            status=Review.Status.SUBMITTED,
            submitted_at=when or timezone.now(),
        )
        for code, value in scores.items():
            ScoreFactory(
                review=review,
                criterion=criteria[code],
                value=None if value is None else Decimal(str(value)),
                not_applicable=value is None,
            )
    return item


def krippendorff_reviews(project, rubric) -> dict:
    """The reference data entered as reviews: observers are reviewers, units are items."""
    ReviewSettingsFactory(project=project, rubric=rubric)
    reference = krippendorff_reference()
    reviewers = {name: UserFactory(username=f"observer-{name}") for name in reference["observers"]}
    items = []
    for unit in range(len(reference["data"][0])):
        by_reviewer = {}
        for name, values in zip(reference["observers"], reference["data"], strict=True):
            if values[unit] is not None:
                by_reviewer[reviewers[name]] = dict.fromkeys(LEVELS, values[unit])
        items.append(reviewed_item(project, rubric, by_reviewer))
    return {"reviewers": reviewers, "items": items}
