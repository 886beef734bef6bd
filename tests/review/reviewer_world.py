"""A review project ready for reviewers: published rubric, settings, members, items."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.models import Role
from rubrics.models import Rubric
from tests.factories import ProjectFactory, member
from tests.review.factories import PairItemFactory, ReviewSettingsFactory, SessionItemFactory
from tests.rubrics.factories import CriterionFactory, RubricFactory


@dataclass
class ReviewWorld:
    project: Any
    settings: Any
    rubric: Any
    lead: Any
    reviewers: list[Any]
    items: list[Any] = field(default_factory=list)


def scoring_rubric(**kwargs: Any) -> Rubric:
    """empathy 0-4 with anchors, homework 0-4 or NA, safety met / not met with a rationale."""
    rubric = RubricFactory(status=Rubric.Status.PUBLISHED, cutoff=Decimal(5), **kwargs)
    CriterionFactory(rubric=rubric, code="empathy", position=1)
    CriterionFactory(rubric=rubric, code="homework", position=2, allow_na=True, anchors=[])
    CriterionFactory(
        rubric=rubric,
        code="safety",
        position=3,
        scale_kind="binary",
        scale_min=0,
        scale_max=1,
        rationale_required=True,
        anchors=[],
    )
    return rubric


def review_world(
    *, items: int = 3, reviewers: int = 3, overlap: int = 2, pairs: int = 0, **settings: Any
) -> ReviewWorld:
    project = ProjectFactory()
    rubric = scoring_rubric()
    review_settings = ReviewSettingsFactory(
        project=project,
        rubric=rubric,
        overlap=overlap,
        **{"task_kinds": ["scoring", "pairwise", "rewrite"], **settings},
    )
    world = ReviewWorld(
        project=project,
        settings=review_settings,
        rubric=rubric,
        lead=member(project, Role.LEAD),
        reviewers=[member(project, Role.REVIEWER) for _ in range(reviewers)],
    )
    world.items = [SessionItemFactory(project=project) for _ in range(items)]
    world.items += [PairItemFactory(project=project) for _ in range(pairs)]
    return world


FULL_FORM = {
    "score-empathy": "3",
    "score-homework": "na",
    "score-safety": "1",
    "rationale-safety": "No risk raised; the counselor stays on the client's worry.",
    "evidence-empathy": "2 4",
    "comment": "Warm and focused.",
}
