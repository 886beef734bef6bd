"""Three "Next item" clicks of one reviewer at once reserve one item, not three.

A double click, a second tab or a retried request sends "Next item" again before the first
answer arrived. Each request found no open reservation of the reviewer's and reserved its own
item, so one person blocked three slots for the length of a reservation. The test holds the
first candidate item's row lock until all three requests wait (see tests/locking.py), so each
has certainly passed the "already holding one?" look before any of them reserved. PostgreSQL
only: SQLite has no row locks to race on.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from review.models import Assignment, Item
from tests.locking import holding, wait_for_waiters
from tests.review.reviewer_world import review_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and one writer at a time; CI runs this on PostgreSQL",
    ),
]

CLICKS = 3


@pytest.mark.django_db(transaction=True)
def test_three_next_item_posts_of_one_reviewer_reserve_one_item() -> None:
    world = review_world(items=4, reviewers=1, overlap=1)
    reviewer = world.reviewers[0]
    url = reverse("review:item_next", kwargs={"slug": world.project.slug})
    first_candidate = world.items[0]
    landed: list[object] = []

    def click() -> None:
        try:
            client = Client()
            client.force_login(reviewer)
            response = client.post(url)
            landed.append(response.headers.get("Location", response.status_code))
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            landed.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    with holding(lambda: Item.objects.select_for_update().get(pk=first_candidate.pk)):
        for thread in threads:
            thread.start()
        assert wait_for_waiters(CLICKS), "every click should queue before the first reserves"
    for thread in threads:
        thread.join(timeout=30)

    reserved = Assignment.objects.filter(reviewer=reviewer, status=Assignment.Status.RESERVED)
    assert reserved.count() == 1, list(reserved.values_list("item_id", flat=True))
    assert len(landed) == CLICKS
    assert len(set(map(str, landed))) == 1, landed
    assert str(reserved.get().item_id) in str(landed[0])
