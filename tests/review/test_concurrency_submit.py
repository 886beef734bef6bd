"""Two submits of the same slot at once: the first is taken, the second is told and changes nothing.

A double click, a retried request or a second tab sends the same submit twice. Both requests
pass the "already submitted?" check made before the lock; only a check made again under the lock
tells them apart. The test holds the item's row lock itself until both requests wait behind it,
so both have certainly passed the early check (see tests/locking.py). PostgreSQL only, like
``test_concurrency``: SQLite has no row locks to race on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from core.models import AuditEvent
from review.models import Assignment, Item, PairwiseJudgment, Review, ReviewRevision
from review.services.assignment import assignment_next
from review.services.pairwise import judgment_input_from_form, judgment_submit
from review.services.reviewing import ReviewError, review_input_from_form, review_submit
from review.services.rewrites import rewrite_finish
from tests.locking import holding, wait_for_waiters
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and one writer at a time; CI runs this on PostgreSQL",
    ),
]


def _twice_at_once(item: Item, first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """Run both calls in their own threads while the item is locked; their results or errors."""
    outcomes: list[Any] = [None, None]

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            outcomes[index] = call()
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate([first, second])]
    with holding(lambda: Item.objects.select_for_update().get(pk=item.pk)):
        for thread in threads:
            thread.start()
        assert wait_for_waiters(2), "both requests should queue behind the item's lock"
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _submit_events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


@pytest.mark.django_db(transaction=True)
def test_a_second_submit_of_the_same_review_is_refused_and_changes_nothing() -> None:
    world = review_world(items=1, reviewers=1, overlap=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    low = review_input_from_form(data={**FULL_FORM, "score-empathy": "1"}, rubric=world.rubric)
    high = review_input_from_form(data={**FULL_FORM, "score-empathy": "4"}, rubric=world.rubric)
    item = world.items[0]

    outcomes = _twice_at_once(
        item,
        lambda: review_submit(assignment=Assignment.objects.get(pk=assignment.pk), data=low),
        lambda: review_submit(assignment=Assignment.objects.get(pk=assignment.pk), data=high),
    )

    accepted = [o for o in outcomes if isinstance(o, Review)]
    refused = [o for o in outcomes if isinstance(o, ReviewError)]
    assert len(accepted) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert "already submitted" in str(refused[0].problems)
    review = Review.objects.get(assignment=assignment)
    assert review.version == 1
    winner = accepted[0].scores.get(criterion__code="empathy").value
    assert review.scores.get(criterion__code="empathy").value == winner
    assert _submit_events("review.review.submit") == 1
    assert not ReviewRevision.objects.filter(review=review).exists()


@pytest.mark.django_db(transaction=True)
def test_a_second_submit_of_the_same_judgment_is_refused_and_changes_nothing() -> None:
    world = review_world(items=0, reviewers=1, overlap=1, pairs=1, task_kinds=["pairwise"])
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    assert assignment is not None
    item = world.items[0]

    def submit(side: str) -> PairwiseJudgment:
        fresh = Assignment.objects.select_related("item").get(pk=assignment.pk)
        form = {
            "choice": side,
            "strength": "2",
            "rationale": f"{side} stays with the client's worry.",
        }
        return judgment_submit(
            assignment=fresh, data=judgment_input_from_form(data=form, assignment=fresh)
        )

    outcomes = _twice_at_once(item, lambda: submit("left"), lambda: submit("right"))

    accepted = [o for o in outcomes if isinstance(o, PairwiseJudgment)]
    refused = [o for o in outcomes if isinstance(o, ReviewError)]
    assert len(accepted) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert "already submitted" in str(refused[0].problems)
    judgment = PairwiseJudgment.objects.get(assignment=assignment)
    assert judgment.choice == accepted[0].choice
    assert judgment.version == 1
    assert _submit_events("review.judgment.submit") == 1


@pytest.mark.django_db(transaction=True)
def test_finishing_a_rewrite_slot_twice_records_it_once() -> None:
    world = review_world(items=1, reviewers=1, overlap=1, task_kinds=["rewrite"])
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    assert assignment is not None

    def finish() -> Assignment:
        return rewrite_finish(assignment=Assignment.objects.get(pk=assignment.pk))

    outcomes = _twice_at_once(world.items[0], finish, finish)

    assert all(isinstance(o, Assignment) for o in outcomes), outcomes
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.SUBMITTED
    assert _submit_events("review.assignment.finish") == 1
