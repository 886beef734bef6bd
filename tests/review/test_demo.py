"""demo_setup builds a review project that shows the whole flow, and can run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import AuditEvent
from review.demo.work import BATCH_NAME
from review.models import Item
from review.selectors.lead import adjudication_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    return tmp_path


def _run() -> str:
    out = StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


def _ours():
    """The review demo's own items (other apps' demo steps may add items of their own)."""
    return Item.objects.filter(project__slug="demo", session__batch__name=BATCH_NAME)


def _statuses(kind):
    items = _ours().filter(kind=kind)
    return {status: items.filter(status=status).count() for status in Item.Status.values}


def test_demo_review_project_covers_the_flow_and_is_idempotent(var_dir):
    _run()
    sessions = _statuses(Item.Kind.SESSION)
    pairs = _statuses(Item.Kind.PAIR)
    events = AuditEvent.objects.count()

    assert sessions["approved"] >= 20
    assert pairs["approved"] >= 20
    assert sessions["rejected"] == 2
    assert sessions["reviewed"] == 2
    assert sessions["in_review"] == 1
    assert sessions["pending"] >= 10
    assert pairs["pending"] >= 10
    queue = adjudication_queue(project=Item.objects.first().project)
    assert {entry.item.kind for entry in queue} == {"session", "pair"}
    # Approved items all went through the reviewers and the lead, on record.
    approved = _ours().filter(status="approved")
    assert all(item.assignments.filter(status="submitted").count() == 2 for item in approved)
    approvals = AuditEvent.objects.filter(action="review.item.approve")
    assert {event.object_id for event in approvals} >= {str(item.pk) for item in approved}

    output = _run()
    assert "already set up" in output
    assert _statuses(Item.Kind.SESSION) == sessions
    assert AuditEvent.objects.count() == events
