"""Factories for review projects, items, assignments, reviews and judgments."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from review.models import (
    Assignment,
    Item,
    PairwiseJudgment,
    Review,
    ReviewSettings,
    Score,
    TaskKind,
)
from tests.dialogues.factories import CandidateFactory, SessionFactory
from tests.factories import ProjectFactory, UserFactory


class ReviewSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewSettings
        django_get_or_create = ("project",)

    project = factory.SubFactory(ProjectFactory)
    task_kinds = factory.LazyFunction(lambda: [TaskKind.SCORING, TaskKind.PAIRWISE])
    overlap = 2


class SessionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    project = factory.SubFactory(ProjectFactory)
    kind = Item.Kind.SESSION
    session = factory.SubFactory(SessionFactory, project=factory.SelfAttribute("..project"))
    position = factory.Sequence(lambda n: n)


class PairItemFactory(SessionItemFactory):
    kind = Item.Kind.PAIR
    session = factory.SubFactory(
        SessionFactory,
        project=factory.SelfAttribute("..project"),
        turns=[("client", "I cannot sleep since my father died.")],
    )
    turn_index = 1
    candidate_a = factory.SubFactory(
        CandidateFactory, session=factory.SelfAttribute("..session"), key="chosen"
    )
    candidate_b = factory.SubFactory(
        CandidateFactory, session=factory.SelfAttribute("..session"), key="rejected"
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    item = factory.SubFactory(SessionItemFactory)
    reviewer = factory.SubFactory(UserFactory)
    status = Assignment.Status.RESERVED
    reserved_until = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(minutes=30))


class ReviewFactory(factory.django.DjangoModelFactory):
    """A review; pass ``rubric=`` (a published rubric) and add Scores with ScoreFactory."""

    class Meta:
        model = Review

    assignment = factory.SubFactory(AssignmentFactory)
    item = factory.SelfAttribute("assignment.item")
    reviewer = factory.SelfAttribute("assignment.reviewer")
    status = Review.Status.DRAFT


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    review = factory.SubFactory(ReviewFactory)
    value = Decimal(3)


class PairwiseJudgmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PairwiseJudgment

    assignment = factory.SubFactory(AssignmentFactory, item=factory.SubFactory(PairItemFactory))
    item = factory.SelfAttribute("assignment.item")
    reviewer = factory.SelfAttribute("assignment.reviewer")
    status = PairwiseJudgment.Status.DRAFT
