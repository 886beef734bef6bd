"""How many SQL queries each step of a reviewer's round takes, pinned so it cannot silently grow.

A reviewer's round is four requests: take the next item, open the scoring page, save a draft
(the htmx autosave), submit. ``bench/review_load.py`` drives the same four under load; each one
here runs against a published rubric, as in a real project, and the numbers must not depend on
how long the conversation is. When a change needs more, raise the pin in the same commit and
say why.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from review.models import Assignment, Review
from tests.conftest import client_for
from tests.factories import member
from tests.review.factories import SessionItemFactory
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = pytest.mark.django_db

# The most each step may take: today's counts on PostgreSQL and SQLite, savepoints included. The
# first page a process shows for a rubric version also reads its groups and criteria (2 more).
# "next" includes the reviewer's own lock, which keeps simultaneous requests to one reservation.
# The scoring page reads no other reviews (nor whether the reviewer submitted) where the
# project does not reveal them: 2 fewer since issue 19. Since then too, the item pages read the
# reviewer's membership with their slot (one query, not two) and know their role from it; the
# draft save and the submission read the review once before the lock (the view and the service
# shared it); "next" reads the project's review settings with the membership, and the item's
# status is worked out from one count of its slots.
PINS = {"next": 17, "first scoring page": 9, "scoring page": 7, "draft save": 14, "submit": 16}


def _queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return len(captured.captured_queries), response


@pytest.mark.parametrize("turns", [4, 60])
def test_each_step_of_a_reviewers_round_runs_a_pinned_number_of_queries(turns) -> None:
    world = review_world(items=0)
    world.rubric.published_at = timezone.now()
    world.rubric.save(update_fields=["published_at"])
    SessionItemFactory(
        project=world.project,
        session__turns=[
            ("client" if i % 2 == 0 else "counselor", f"turn {i}") for i in range(turns)
        ],
    )
    reviewer = member(world.project, Role.REVIEWER)
    client = client_for(reviewer)
    slug = world.project.slug
    counts = {}

    counts["next"], taken = _queries(lambda: client.post(reverse("review:item_next", args=[slug])))
    page_url = taken["Location"]
    assignment = Assignment.objects.get(reviewer=reviewer)
    assert page_url == reverse("review:item", args=[slug, assignment.item_id])
    counts["first scoring page"], _first = _queries(lambda: client.get(page_url))
    counts["scoring page"], page = _queries(lambda: client.get(page_url))
    draft = {key: value for key, value in FULL_FORM.items() if key != "score-safety"}
    counts["draft save"], saved = _queries(
        lambda: client.post(f"{page_url}draft/", draft, HTTP_HX_REQUEST="true")
    )
    counts["submit"], submitted = _queries(lambda: client.post(f"{page_url}submit/", FULL_FORM))

    assert page.status_code == 200
    assert page.content.decode().count('class="turn turn-') == turns
    assert "Draft saved" in saved.content.decode()
    assert submitted.status_code == 302
    assert Review.objects.get(reviewer=reviewer).status == Review.Status.SUBMITTED
    over = {step: count for step, count in counts.items() if count > PINS[step]}
    assert not over, f"more queries than pinned: {over} (pins {PINS})"
