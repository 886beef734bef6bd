"""A rubric version that a review used cannot change, only be versioned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import ProtectedError

from review.models import Review
from rubrics.models import Rubric
from rubrics.services import (
    RubricLocked,
    criterion_save,
    rubric_new_version,
    rubric_publish,
    rubric_update,
)
from tests.review.factories import ReviewFactory, ScoreFactory
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored():
    rubric = RubricFactory(slug="warmth")
    criterion = CriterionFactory(rubric=rubric, code="warmth")
    rubric = rubric_publish(rubric=rubric)
    review = ReviewFactory(rubric=rubric, status=Review.Status.SUBMITTED)
    ScoreFactory(review=review, criterion=criterion, value=Decimal(3))
    return rubric, criterion, review


def test_the_version_a_review_used_refuses_every_change(scored):
    rubric, criterion, _review = scored
    with pytest.raises(RubricLocked):
        rubric_update(rubric=rubric, cutoff=Decimal(2))
    with pytest.raises(RubricLocked):
        criterion_save(rubric=rubric, criterion=criterion, weight=Decimal(2))
    with pytest.raises(ProtectedError):
        rubric.delete()


def test_editing_makes_a_new_version_and_the_review_keeps_its_own(scored):
    rubric, _criterion, review = scored
    draft = rubric_new_version(rubric=rubric)
    criterion_save(rubric=draft, criterion=draft.criteria.get(code="warmth"), scale_max=Decimal(6))
    rubric_publish(rubric=draft)

    review.refresh_from_db()
    assert (draft.version, review.rubric.version) == (2, 1)
    assert review.scores.get().criterion.scale_max == Decimal(4)
    assert Rubric.objects.get(pk=rubric.pk).criteria.get().scale_max == Decimal(4)
    assert Rubric.objects.get(slug="warmth", version=2).criteria.get().scale_max == Decimal(6)
