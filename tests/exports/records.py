"""Factories for export specifications and the reviewed, approved items they export.

``approved_session`` and ``approved_pair`` build what the review side produces (submitted
reviews or judgments by distinct reviewers, the item approved) without going through its
services, which belong to other parts of the application.
"""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from exports.models import ExportSpecification
from review.models import Assignment, Item, PairwiseJudgment, Review, Score
from rubrics.models import Rubric
from rubrics.scoring import ScoreError, rubric_score
from tests.dialogues.factories import CandidateFactory, SessionFactory
from tests.factories import UserFactory
from tests.review.factories import (
    AssignmentFactory,
    PairItemFactory,
    PairwiseJudgmentFactory,
    ReviewFactory,
    SessionItemFactory,
)
from tests.rubrics.factories import CriterionFactory, RubricFactory


class ExportSpecificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportSpecification
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Export {n}")
    kind = "sft"

    @factory.post_generation
    def projects(self, create, extracted, **kwargs):
        if create and extracted:
            self.projects.set(extracted)


def published_rubric(codes: tuple[str, ...] = ("empathy", "structure")) -> Rubric:
    rubric = RubricFactory(status=Rubric.Status.PUBLISHED)
    for code in codes:
        CriterionFactory(rubric=rubric, code=code, measurement="interval")
    return rubric


def reviewers(count: int = 2) -> list:
    return [UserFactory() for _ in range(count)]


def approved_session(
    *,
    project,
    rubric: Rubric,
    people: list,
    scores: dict[str, list[float | None]],
    status: str = Item.Status.APPROVED,
    **session_kwargs,
) -> Item:
    """A session item scored by ``people`` (one list entry per reviewer, in order)."""
    session = SessionFactory(project=project, **session_kwargs)
    item = SessionItemFactory(project=project, session=session, status=status)
    for index, person in enumerate(people):
        assignment = AssignmentFactory(
            item=item, reviewer=person, status=Assignment.Status.SUBMITTED
        )
        review = ReviewFactory(
            assignment=assignment,
            rubric=rubric,
            status=Review.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        given = {}
        for criterion in rubric.criteria.all():
            value = scores[criterion.code][index]
            given[criterion.code] = value
            Score.objects.create(
                review=review,
                criterion=criterion,
                value=None if value is None else Decimal(str(value)),
                not_applicable=value is None,
            )
        # What submitting a review records: its total on the rubric.
        try:
            review.total = rubric_score(rubric=rubric, scores=given).total
        except ScoreError:
            review.total = None
        review.save(update_fields=["total"])
    return item


def approved_pair(
    *, project, people: list, choices: list[str], prompt: str = "", status=Item.Status.APPROVED
) -> Item:
    """A pair item judged by ``people`` with ``choices`` ("a", "b", "tie", "both_bad")."""
    turns = [("client", prompt or f"I keep replaying the argument with my sister ({id(people)}).")]
    session = SessionFactory(project=project, turns=turns)
    item = PairItemFactory(
        project=project,
        session=session,
        status=status,
        candidate_a=CandidateFactory(session=session, text="Reply A: tell me more about it."),
        candidate_b=CandidateFactory(session=session, text="Reply B: just forget about it."),
    )
    for person, choice in zip(people, choices, strict=True):
        assignment = AssignmentFactory(
            item=item, reviewer=person, status=Assignment.Status.SUBMITTED
        )
        PairwiseJudgmentFactory(
            assignment=assignment,
            choice=choice,
            status=PairwiseJudgment.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
    return item
