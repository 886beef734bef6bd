"""Building blocks for the lead's tests: a scoring project and submitted reviews."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from core.models import Role
from review.models import Assignment, PairwiseJudgment, Review, TaskKind
from rubrics.models import Rubric
from rubrics.scoring import rubric_score
from tests.factories import member
from tests.review.factories import (
    AssignmentFactory,
    PairwiseJudgmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    ScoreFactory,
)
from tests.rubrics.factories import CriterionFactory, RubricFactory


def published_rubric(slug: str = "lead-rubric"):
    """A published rubric with two 0-4 criteria, the second one allowing 'not applicable'."""
    rubric = RubricFactory(slug=slug, status=Rubric.Status.PUBLISHED)
    CriterionFactory(rubric=rubric, code="empathy", position=1)
    CriterionFactory(rubric=rubric, code="focus", position=2, allow_na=True)
    return rubric


def scoring_settings(project, rubric, **fields):
    return ReviewSettingsFactory(
        project=project,
        rubric=rubric,
        task_kinds=[TaskKind.SCORING, TaskKind.PAIRWISE],
        **fields,
    )


def submit_review(item, rubric, reviewer=None, flags=(), comment="", **values):
    """A submitted review of ``item`` with the given criterion values (None: not applicable)."""
    reviewer = reviewer or member(item.project, Role.REVIEWER)
    assignment = AssignmentFactory(item=item, reviewer=reviewer, status=Assignment.Status.SUBMITTED)
    review = ReviewFactory(
        assignment=assignment,
        rubric=rubric,
        status=Review.Status.SUBMITTED,
        submitted_at=timezone.now(),
        flags=list(flags),
        comment=comment,
    )
    review.total = rubric_score(
        rubric=rubric, scores={c.code: values.get(c.code) for c in rubric.criteria.all()}
    ).total
    review.save(update_fields=["total"])
    for criterion in rubric.criteria.all():
        value = values.get(criterion.code)
        ScoreFactory(
            review=review,
            criterion=criterion,
            value=None if value is None else Decimal(value),
            not_applicable=value is None,
            rationale=f"{criterion.code} rationale by {reviewer.username}",
        )
    return review


def submit_judgment(item, choice, reviewer=None):
    reviewer = reviewer or member(item.project, Role.REVIEWER)
    assignment = AssignmentFactory(item=item, reviewer=reviewer, status=Assignment.Status.SUBMITTED)
    return PairwiseJudgmentFactory(
        assignment=assignment,
        choice=choice,
        status=PairwiseJudgment.Status.SUBMITTED,
        submitted_at=timezone.now(),
        rationale=f"{choice} by {reviewer.username}",
    )
