"""Handing out review slots: balanced, deterministic, k distinct reviewers, expiring, skippable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from review.models import Assignment, Item
from review.selectors.reviewer import project_progress, reviewer_progress
from review.services.assignment import AssignmentError, assignment_next, assignment_skip
from review.services.reviewing import review_input_from_form, review_submit
from tests.conftest import client_for
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = pytest.mark.django_db


def _expire(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(
        reserved_until=timezone.now() - timedelta(minutes=1)
    )


def _submit(assignment: Assignment) -> None:
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.SUBMITTED)


def test_by_default_items_are_completed_first_then_the_next_in_position() -> None:
    world = review_world(items=3, reviewers=4, overlap=2)
    taken = [assignment_next(project=world.project, reviewer=r).item for r in world.reviewers]
    # An item with k-1 slots taken beats an untouched one, so the first item fills up before
    # the second is started and reaches "reviewed" (or adjudication) as early as it can.
    assert taken == [world.items[0], world.items[0], world.items[1], world.items[1]]
    assert Item.objects.get(pk=world.items[2].pk).status == Item.Status.PENDING


def test_a_project_may_spread_its_slots_over_items_fewest_reviewers_first() -> None:
    world = review_world(items=3, reviewers=4, overlap=2, queue_order="breadth")
    taken = [assignment_next(project=world.project, reviewer=r).item for r in world.reviewers]
    # Three empty items go to the first three reviewers in queue order; the fourth reviewer
    # starts the second round on the first item.
    assert taken == [world.items[0], world.items[1], world.items[2], world.items[0]]
    assert Item.objects.get(pk=world.items[0].pk).status == Item.Status.IN_REVIEW


def test_the_current_reservation_comes_back_until_it_is_done() -> None:
    world = review_world(items=3)
    reviewer = world.reviewers[0]
    first = assignment_next(project=world.project, reviewer=reviewer)
    assert assignment_next(project=world.project, reviewer=reviewer) == first
    _submit(first)
    second = assignment_next(project=world.project, reviewer=reviewer)
    assert second is not None
    assert second.item != first.item


def test_every_item_gets_exactly_k_distinct_reviewers_then_the_queue_is_empty() -> None:
    world = review_world(items=3, reviewers=4, overlap=2)
    for _round in range(4):
        for reviewer in world.reviewers:
            assignment = assignment_next(project=world.project, reviewer=reviewer)
            if assignment is not None:
                _submit(assignment)
    for item in world.items:
        reviewers = list(item.assignments.values_list("reviewer", flat=True))
        assert len(reviewers) == 2 == len(set(reviewers))
    assert all(assignment_next(project=world.project, reviewer=r) is None for r in world.reviewers)


def test_an_expired_reservation_is_released_to_the_next_reviewer_who_needs_it() -> None:
    world = review_world(items=1, reviewers=2, overlap=1)
    slow, quick = world.reviewers
    stale = assignment_next(project=world.project, reviewer=slow)
    assert assignment_next(project=world.project, reviewer=quick) is None
    _expire(stale)
    taken = assignment_next(project=world.project, reviewer=quick)
    assert taken is not None
    assert taken.item == stale.item
    stale.refresh_from_db()
    assert stale.status == Assignment.Status.RELEASED
    assert AuditEvent.objects.filter(
        action="review.assignment.release", object_id=str(stale.pk)
    ).exists()


def test_a_reviewer_takes_back_their_own_expired_slot_with_the_same_order() -> None:
    world = review_world(items=1, pairs=0, reviewers=1, overlap=1)
    reviewer = world.reviewers[0]
    first = assignment_next(project=world.project, reviewer=reviewer)
    _expire(first)
    again = assignment_next(project=world.project, reviewer=reviewer)
    assert again.pk == first.pk
    assert again.swapped == first.swapped
    assert again.reserved_until > timezone.now()


def test_skipping_needs_a_reason_and_hands_the_slot_on() -> None:
    world = review_world(items=1, reviewers=2, overlap=1)
    first, second = world.reviewers
    assignment = assignment_next(project=world.project, reviewer=first)
    with pytest.raises(AssignmentError):
        assignment_skip(assignment=assignment, reason="   ")
    assert assignment_next(project=world.project, reviewer=second) is None

    assignment_skip(assignment=assignment, reason="I know this client's family.")

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SKIPPED
    assert assignment.skip_reason == "I know this client's family."
    assert assignment_next(project=world.project, reviewer=second).item == assignment.item
    # The one who skipped never gets it again.
    assert assignment_next(project=world.project, reviewer=first) is None
    event = AuditEvent.objects.get(action="review.assignment.skip")
    assert event.reason == "I know this client's family."
    assert event.before == {"status": "reserved"}
    assert event.after == {"status": "skipped"}


def _calibration_world(expected_empathy: int):
    world = review_world(items=3, reviewers=2, overlap=1, require_calibration=True)
    gold = world.items[1:]
    Item.objects.filter(pk__in=[item.pk for item in gold]).update(
        is_gold=True, gold_scores={"empathy": expected_empathy}
    )
    return world, gold


def _score(assignment: Assignment) -> None:
    review_submit(
        assignment=assignment,
        data=review_input_from_form(
            data=FULL_FORM, rubric=assignment.item.project.review_settings.rubric
        ),
    )


def test_every_reviewer_does_the_gold_items_before_live_work() -> None:
    world, gold = _calibration_world(expected_empathy=3)
    first, second = world.reviewers
    # The gold items go to both reviewers although each item wants one reviewer only.
    for reviewer in world.reviewers:
        given = assignment_next(project=world.project, reviewer=reviewer)
        assert given.item == gold[0]
        _score(given)
    assert assignment_next(project=world.project, reviewer=first).item == gold[1]
    assert reviewer_progress(project=world.project, reviewer=second).available == 1


def test_live_work_opens_once_calibration_is_passed() -> None:
    world, gold = _calibration_world(expected_empathy=3)
    reviewer = world.reviewers[0]
    for _gold in gold:
        _score(assignment_next(project=world.project, reviewer=reviewer))
    assert assignment_next(project=world.project, reviewer=reviewer).item == world.items[0]


def test_a_reviewer_below_the_pass_mark_gets_no_live_work() -> None:
    world, gold = _calibration_world(expected_empathy=0)  # they will score 3: out of tolerance
    reviewer = world.reviewers[0]
    for _gold in gold:
        _score(assignment_next(project=world.project, reviewer=reviewer))
    assert assignment_next(project=world.project, reviewer=reviewer) is None
    page = client_for(reviewer).get(reverse("review:home")).content.decode()
    assert "below this project" in page


def test_approved_and_rejected_items_are_not_handed_out() -> None:
    world = review_world(items=2)
    Item.objects.filter(pk=world.items[0].pk).update(status=Item.Status.APPROVED)
    Item.objects.filter(pk=world.items[1].pk).update(status=Item.Status.REJECTED)
    assert assignment_next(project=world.project, reviewer=world.reviewers[0]) is None


def test_progress_per_reviewer_and_per_project() -> None:
    world = review_world(items=3, reviewers=2, overlap=2)
    first, second = world.reviewers
    _submit(assignment_next(project=world.project, reviewer=first))
    skipped = assignment_next(project=world.project, reviewer=first)
    assignment_skip(assignment=skipped, reason="Not my language.")
    assignment_next(project=world.project, reviewer=first)

    mine = reviewer_progress(project=world.project, reviewer=first)
    assert (mine.submitted, mine.skipped, mine.reserved, mine.available) == (1, 1, 1, 0)
    theirs = reviewer_progress(project=world.project, reviewer=second)
    assert theirs.available == 3
    overall = project_progress(project=world.project)
    assert (overall.items, overall.slots, overall.submitted, overall.percent) == (3, 6, 1, 17)


def test_items_of_another_project_are_never_handed_out() -> None:
    empty = review_world(items=0)
    busy = review_world(items=2)
    assert assignment_next(project=empty.project, reviewer=empty.reviewers[0]) is None
    assert not Assignment.objects.filter(item__project=busy.project).exists()
