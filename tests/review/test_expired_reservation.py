"""A reservation past its time: still the reviewer's until someone else takes the slot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from review.models import Assignment, Review
from review.services.assignment import AssignmentError, assignment_next
from review.services.reviewing import review_input_from_form, review_submit
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = pytest.mark.django_db


def _expired(world, reviewer):
    held = assignment_next(project=world.project, reviewer=reviewer)
    Assignment.objects.filter(pk=held.pk).update(
        reserved_until=timezone.now() - timedelta(minutes=1)
    )
    held.refresh_from_db()
    return held


def test_an_expired_reservation_nobody_took_may_still_be_submitted() -> None:
    world = review_world(items=1, reviewers=2, overlap=1)
    held = _expired(world, world.reviewers[0])

    review = review_submit(
        assignment=held, data=review_input_from_form(data=FULL_FORM, rubric=world.rubric)
    )

    assert review.status == Review.Status.SUBMITTED
    assert assignment_next(project=world.project, reviewer=world.reviewers[1]) is None


def test_once_taken_over_the_late_submission_is_refused_and_the_item_keeps_k() -> None:
    world = review_world(items=1, reviewers=2, overlap=1)
    late, taker = world.reviewers
    held = _expired(world, late)
    taken = assignment_next(project=world.project, reviewer=taker)
    assert taken is not None

    with pytest.raises(AssignmentError, match="went to another reviewer"):
        review_submit(
            assignment=held, data=review_input_from_form(data=FULL_FORM, rubric=world.rubric)
        )

    assert Assignment.objects.get(pk=held.pk).status == Assignment.Status.RELEASED
    assert not Review.objects.filter(status=Review.Status.SUBMITTED).exists()
    assert AuditEvent.objects.filter(action="review.assignment.release").count() == 1
