"""Two reviewers racing for the last slot of an item: the row lock lets exactly one win.

Runs on PostgreSQL (CI), where each thread has its own connection and ``SELECT ... FOR UPDATE``
makes the loser wait and re-count. SQLite has no row locks and a single writer, so the race
cannot be staged there.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from review.models import Assignment, Review
from review.services.assignment import assignment_next
from review.services.reviewing import review_input_from_form, review_submit
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and one writer at a time; CI runs this on PostgreSQL",
    ),
]

ROUNDS = 5


def _race(project, reviewers):
    """Both reviewers ask for their next item at the same moment and submit what they get."""
    barrier = threading.Barrier(len(reviewers))
    outcomes: dict[int, object] = {}

    def work(reviewer) -> None:
        try:
            barrier.wait(timeout=10)
            assignment = assignment_next(project=project, reviewer=reviewer)
            if assignment is not None:
                data = review_input_from_form(data=FULL_FORM, rubric=project.review_settings.rubric)
                review_submit(assignment=assignment, data=data)
            outcomes[reviewer.pk] = assignment
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            outcomes[reviewer.pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_takers_of_the_last_slot_leave_exactly_k_reviews(round_) -> None:
    world = review_world(items=1, reviewers=3, overlap=2)
    first, *racers = world.reviewers
    item = world.items[0]
    settled = assignment_next(project=world.project, reviewer=first)
    review_submit(
        assignment=settled,
        data=review_input_from_form(data=FULL_FORM, rubric=world.rubric),
    )

    outcomes = _race(world.project, racers)

    errors = [value for value in outcomes.values() if isinstance(value, Exception)]
    assert errors == []
    winners = [value for value in outcomes.values() if value is not None]
    assert len(winners) == 1
    assert Review.objects.filter(item=item, status=Review.Status.SUBMITTED).count() == 2
    assert Assignment.objects.filter(item=item, status=Assignment.Status.SUBMITTED).count() == 2
