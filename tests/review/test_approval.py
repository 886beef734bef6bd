"""Approving and rejecting items one by one and by rule, each decision audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from review.models import Item
from review.services.approval import (
    ApprovalError,
    ApprovalRule,
    approval_candidates,
    item_approve,
    item_reject,
    items_approve_by_rule,
)
from review.services.item_status import item_status_refresh
from tests.dialogues.factories import FlagFactory
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.lead_fixtures import (
    published_rubric,
    scoring_settings,
    submit_judgment,
    submit_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric(world):
    rubric = published_rubric()
    scoring_settings(world.project, rubric, overlap=2)
    return rubric


def _reviewed(world, rubric, empathy, focus, flags=()):
    item = SessionItemFactory(project=world.project)
    submit_review(item, rubric, empathy=empathy, focus=focus, flags=flags)
    submit_review(item, rubric, empathy=empathy, focus=focus)
    return item_status_refresh(item=item)


def test_approve_and_reject_one_by_one_with_audit(world, rubric):
    good = _reviewed(world, rubric, 4, 3)
    bad = _reviewed(world, rubric, 1, 1)

    item_approve(item=good, actor=world.lead)
    item_reject(item=bad, actor=world.lead, reason="Counselor gives medical advice.")

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (Item.Status.APPROVED, Item.Status.REJECTED)
    approve = AuditEvent.objects.get(action="review.item.approve")
    reject = AuditEvent.objects.get(action="review.item.reject")
    assert (approve.before, approve.after) == ({"status": "reviewed"}, {"status": "approved"})
    assert reject.reason == "Counselor gives medical advice."
    assert reject.actor == world.lead


def test_only_reviewed_items_are_approved_and_decisions_are_final(world, rubric):
    pending = SessionItemFactory(project=world.project)
    with pytest.raises(ApprovalError, match="Only a reviewed item"):
        item_approve(item=pending, actor=world.lead)
    item_reject(item=pending, actor=world.lead, reason="Off-topic")
    with pytest.raises(ApprovalError, match="already"):
        item_reject(item=pending, actor=world.lead)
    assert AuditEvent.objects.filter(action__startswith="review.item.").count() == 1


def test_bulk_rule_takes_reviewed_items_above_total_without_flags(world, rubric):
    high = _reviewed(world, rubric, 4, 3)  # total 7
    low = _reviewed(world, rubric, 2, 2)  # total 4
    flagged_by_reviewer = _reviewed(world, rubric, 4, 4, flags=["pii"])
    screened = _reviewed(world, rubric, 4, 4)
    FlagFactory(session=screened.session)
    pending = SessionItemFactory(project=world.project)
    agreed_pair = PairItemFactory(project=world.project)
    submit_judgment(agreed_pair, "b")
    submit_judgment(agreed_pair, "b")
    item_status_refresh(item=agreed_pair)
    tied_pair = PairItemFactory(project=world.project)
    submit_judgment(tied_pair, "tie")
    submit_judgment(tied_pair, "tie")
    item_status_refresh(item=tied_pair)

    rule = ApprovalRule(min_total=Decimal(6), without_flags=True)
    assert set(approval_candidates(project=world.project, rule=rule)) == {high, agreed_pair}

    approved = items_approve_by_rule(project=world.project, rule=rule, actor=world.lead)

    assert {item.pk for item in approved} == {high.pk, agreed_pair.pk}
    statuses = dict(Item.objects.values_list("pk", "status"))
    assert statuses[low.pk] == statuses[flagged_by_reviewer.pk] == Item.Status.REVIEWED
    assert statuses[screened.pk] == Item.Status.REVIEWED
    assert statuses[pending.pk] == Item.Status.PENDING
    assert statuses[tied_pair.pk] == Item.Status.REVIEWED
    events = AuditEvent.objects.filter(action="review.item.approve")
    assert {event.object_id for event in events} == {str(high.pk), str(agreed_pair.pk)}
    assert all("final total >= 6" in event.reason for event in events)


def test_bulk_rule_may_keep_flagged_items_and_filter_by_kind(world, rubric):
    flagged = _reviewed(world, rubric, 4, 4, flags=["crisis"])
    rule = ApprovalRule(kind=Item.Kind.SESSION, without_flags=False)
    assert approval_candidates(project=world.project, rule=rule) == [flagged]
