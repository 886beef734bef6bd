"""A reviewer submits just as another takes over their expired reservation.

Both writers lock the item first and then the slot, so one of them waits for the other: either the
submission lands first and the taker finds the item full, or the taker releases the expired slot
first and the late submission is refused with a clear message. Never k + 1 reviews, never a
deadlock. PostgreSQL only, like ``test_concurrency``: SQLite has no row locks to race on.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

import review.services.reviewing as reviewing
from review.models import Assignment, Review
from review.services.assignment import AssignmentError, assignment_next
from review.services.reviewing import review_input_from_form, review_submit
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and one writer at a time; CI runs this on PostgreSQL",
    ),
]


def _slow_audit(monkeypatch) -> None:
    # Holding the submitter's transaction open a little longer widens the window in which the
    # taker counts slots and releases the expired one.
    original = reviewing.audit_record

    def slow(**kwargs):
        time.sleep(0.2)
        return original(**kwargs)

    monkeypatch.setattr(reviewing, "audit_record", slow)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("taker_delay", [0.0, 0.05, 0.1, 0.3])
def test_submit_racing_a_takeover_of_the_expired_slot_leaves_exactly_k(
    monkeypatch, taker_delay
) -> None:
    world = review_world(items=1, reviewers=2, overlap=1)
    late, taker = world.reviewers
    item = world.items[0]
    held = assignment_next(project=world.project, reviewer=late)
    Assignment.objects.filter(pk=held.pk).update(
        reserved_until=timezone.now() - timedelta(minutes=1)
    )
    held.refresh_from_db()
    _slow_audit(monkeypatch)
    data = review_input_from_form(data=FULL_FORM, rubric=world.rubric)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def submit_late() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes["late"] = review_submit(assignment=held, data=data)
        except Exception as exc:
            outcomes["late"] = exc
        finally:
            connections.close_all()

    def take_over() -> None:
        try:
            barrier.wait(timeout=10)
            time.sleep(taker_delay)
            taken = assignment_next(project=world.project, reviewer=taker)
            if taken is not None:
                review_submit(assignment=taken, data=data)
            outcomes["taker"] = taken
        except Exception as exc:
            outcomes["taker"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit_late), threading.Thread(target=take_over)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not isinstance(outcomes["taker"], Exception), outcomes["taker"]
    if isinstance(outcomes["late"], Exception):
        # The taker won: the late reviewer is told why, and the taker's review is the one.
        assert isinstance(outcomes["late"], AssignmentError)
        assert "another reviewer" in str(outcomes["late"])
        assert outcomes["taker"] is not None
    else:
        assert outcomes["taker"] is None
    assert Review.objects.filter(item=item, status=Review.Status.SUBMITTED).count() == 1
    assert Assignment.objects.filter(item=item, status=Assignment.Status.SUBMITTED).count() == 1
    assert not Review.objects.filter(
        item=item, status=Review.Status.SUBMITTED, assignment__status=Assignment.Status.RELEASED
    ).exists()
