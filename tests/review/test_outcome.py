"""Item status, disagreement and final scores from submitted reviews."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from review.models import Adjudication, Assignment, Item, PairwiseJudgment, Review
from review.selectors.item_outcome import item_disagreement, item_final_choice, item_final_scores
from review.services.item_status import item_status_refresh
from rubrics.models import Rubric
from tests.factories import UserFactory
from tests.review.factories import (
    AssignmentFactory,
    PairItemFactory,
    PairwiseJudgmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    ScoreFactory,
    SessionItemFactory,
)
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric():
    rubric = RubricFactory(status=Rubric.Status.PUBLISHED)
    CriterionFactory(rubric=rubric, code="empathy")
    CriterionFactory(rubric=rubric, code="focus", allow_na=True)
    return rubric


def _submit(item, rubric, **values):
    assignment = AssignmentFactory(item=item, status=Assignment.Status.SUBMITTED)
    review = ReviewFactory(assignment=assignment, rubric=rubric, status=Review.Status.SUBMITTED)
    for criterion in rubric.criteria.all():
        value = values.get(criterion.code)
        ScoreFactory(
            review=review,
            criterion=criterion,
            value=None if value is None else Decimal(value),
            not_applicable=value is None,
        )
    return review


def test_item_moves_from_pending_to_reviewed_as_reviews_arrive(rubric):
    item = SessionItemFactory()
    ReviewSettingsFactory(project=item.project, overlap=2)
    assert item_status_refresh(item=item).status == Item.Status.PENDING

    _submit(item, rubric, empathy=3, focus=2)
    assert item_status_refresh(item=item).status == Item.Status.IN_REVIEW

    _submit(item, rubric, empathy=4, focus=2)
    item_status_refresh(item=item)
    item.refresh_from_db()
    assert item.status == Item.Status.REVIEWED
    changes = AuditEvent.objects.filter(action="review.item.status", object_id=str(item.pk))
    assert [event.after["status"] for event in changes.order_by("pk")] == [
        "in_review",
        "reviewed",
    ]


def test_a_spread_at_the_threshold_needs_adjudication_and_names_the_criterion(rubric):
    item = SessionItemFactory()
    ReviewSettingsFactory(project=item.project, overlap=2, adjudication_spread=Decimal(2))
    _submit(item, rubric, empathy=1, focus=None)
    _submit(item, rubric, empathy=3, focus=2)

    disagreement = item_disagreement(item=item)
    assert disagreement.spread == 2
    assert disagreement.criteria == ("empathy",)
    assert item_status_refresh(item=item).status == Item.Status.NEEDS_ADJUDICATION


def test_final_scores_are_the_median_until_a_lead_adjudicates(rubric):
    item = SessionItemFactory()
    ReviewSettingsFactory(project=item.project, overlap=3)
    _submit(item, rubric, empathy=1, focus=None)
    _submit(item, rubric, empathy=4, focus=2)
    _submit(item, rubric, empathy=5, focus=4)
    assert item_final_scores(item=item) == {"empathy": Decimal(4), "focus": Decimal(3)}

    Adjudication.objects.create(
        item=item, lead=UserFactory(), scores={"empathy": 2, "focus": None}, reason="checked"
    )
    assert item_final_scores(item=item) == {"empathy": Decimal(2), "focus": None}


def test_approved_items_keep_their_status(rubric):
    item = SessionItemFactory(status=Item.Status.APPROVED)
    ReviewSettingsFactory(project=item.project)
    _submit(item, rubric, empathy=0, focus=4)
    assert item_status_refresh(item=item).status == Item.Status.APPROVED


def test_a_split_pairwise_choice_needs_adjudication_and_has_no_majority():
    item = PairItemFactory()
    ReviewSettingsFactory(project=item.project, overlap=2)
    for choice in ("a", "b"):
        judgment = PairwiseJudgmentFactory(
            assignment__item=item,
            assignment__status=Assignment.Status.SUBMITTED,
            status=PairwiseJudgment.Status.SUBMITTED,
            choice=choice,
        )
        assert judgment.item == item
    assert item_status_refresh(item=item).status == Item.Status.NEEDS_ADJUDICATION
    assert item_final_choice(item=item) is None

    Adjudication.objects.create(item=item, lead=UserFactory(), choice="b", reason="b is safer")
    assert item_final_choice(item=item) == "b"
