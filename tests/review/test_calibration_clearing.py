"""A reviewer below the pass mark is not stuck: the lead clears them, and gold cannot be skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Role
from review.models import Assignment
from review.selectors.lead import project_progress
from review.services.assignment import AssignmentError, assignment_next, assignment_skip
from review.services.calibration import CalibrationError, calibration_passed, calibration_waive
from tests.conftest import client_for
from tests.factories import member
from tests.review.factories import SessionItemFactory
from tests.review.lead_fixtures import published_rubric, scoring_settings, submit_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed(world):
    """A reviewer who answered all three gold items far from the expected scores."""
    rubric = published_rubric()
    scoring_settings(world.project, rubric, require_calibration=True)
    gold = [
        SessionItemFactory(project=world.project, is_gold=True, gold_scores={"empathy": 4})
        for _ in range(3)
    ]
    SessionItemFactory(project=world.project)  # live work waiting
    for item in gold:
        submit_review(item, rubric, reviewer=world.reviewer, empathy=0, focus=None)
    return world.reviewer


def _decide(world, client, decision, reason):
    url = reverse("review:lead_calibration_decide", args=[world.project.slug, world.reviewer.pk])
    return client.post(url, {"decision": decision, "reason": reason}, follow=True)


def test_the_lead_clears_a_failed_reviewer_for_live_work(world, failed):
    assert assignment_next(project=world.project, reviewer=failed) is None
    lead = client_for(world.lead)
    page = lead.get(reverse("review:lead_calibration", args=[world.project.slug]))
    assert "Clear for live work" in page.content.decode()

    response = _decide(world, lead, "waive", "Scores were one off on a scale we changed.")

    assert "may start live work" in response.content.decode()
    assert "cleared by a lead" in response.content.decode()
    assert calibration_passed(project=world.project, reviewer=failed)
    taken = assignment_next(project=world.project, reviewer=failed)
    assert taken is not None
    assert not taken.item.is_gold
    overview = lead.get(reverse("review:lead_project", args=[world.project.slug]))
    assert "cleared by a lead" in overview.content.decode()
    event = AuditEvent.objects.get(action="review.calibration.waive")
    assert (event.actor, event.reason) == (world.lead, "Scores were one off on a scale we changed.")
    assert event.before["agreeing"] == 0


def test_clearing_needs_a_reason(world, failed):
    response = _decide(world, client_for(world.lead), "waive", "  ")

    assert "Say why this reviewer may start without passing." in response.content.decode()
    assert not calibration_passed(project=world.project, reviewer=failed)


def test_withdrawing_the_waiver_closes_live_work_again(world, failed):
    lead = client_for(world.lead)
    _decide(world, lead, "waive", "Discussed the anchors with them.")

    response = _decide(world, lead, "withdraw", "Their first live reviews were far off.")

    assert "needs to pass calibration again" in response.content.decode()
    assert not calibration_passed(project=world.project, reviewer=failed)
    assert AuditEvent.objects.filter(action="review.calibration.withdraw").count() == 1


def test_only_a_reviewer_of_the_project_can_be_cleared(world, failed):
    with pytest.raises(CalibrationError):
        calibration_waive(
            project=world.project, reviewer=world.trainer, reason="why not", actor=world.lead
        )


def test_a_reviewer_cannot_clear_themselves(world, failed):
    response = _decide(world, client_for(failed), "waive", "I am sure I am right.")

    assert response.status_code == 403
    assert not calibration_passed(project=world.project, reviewer=failed)


def test_gold_items_cannot_be_skipped_while_calibration_is_required(world):
    scoring_settings(world.project, published_rubric(), require_calibration=True)
    SessionItemFactory(project=world.project, is_gold=True, gold_scores={"empathy": 2})
    newcomer = member(world.project, Role.REVIEWER, "newcomer")
    held = assignment_next(project=world.project, reviewer=newcomer)
    assert held.item.is_gold

    with pytest.raises(AssignmentError, match="cannot be skipped"):
        assignment_skip(assignment=held, reason="Too long for today.")

    held.refresh_from_db()
    assert held.status == Assignment.Status.RESERVED
    page = client_for(newcomer).get(reverse("review:item", args=[world.project.slug, held.item_id]))
    assert reverse("review:item_skip", args=[world.project.slug, held.item_id]) not in (
        page.content.decode()
    )


def test_the_lead_counts_only_live_reservations(world):
    scoring_settings(world.project, published_rubric(), overlap=2)
    SessionItemFactory(project=world.project)
    SessionItemFactory(project=world.project)
    held = assignment_next(project=world.project, reviewer=world.reviewer)
    other = member(world.project, Role.REVIEWER, "other")
    stale = assignment_next(project=world.project, reviewer=other)
    Assignment.objects.filter(pk=stale.pk).update(
        reserved_until=timezone.now() - timedelta(minutes=1)
    )

    rows = {
        row.membership.user_id: row for row in project_progress(project=world.project).reviewers
    }

    assert rows[world.reviewer.pk].reserved == 1
    assert rows[other.pk].reserved == 0
    assert held.status == Assignment.Status.RESERVED
