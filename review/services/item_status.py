"""An item's status, moved to what its reviews imply whenever they change.

Every service that changes reviews, judgments, assignments or adjudications calls
``item_status_refresh`` inside its own transaction; the rule it applies (how many slots are
submitted, whether the reviewers disagree enough to need a lead) reads
review.selectors.item_outcome.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from core.audit import AuditAction, audit_record
from review.models import Assignment, Item, ReviewSettings
from review.selectors.access import review_settings_of_item
from review.selectors.item_outcome import FINAL_STATUSES, item_disagreement


def _status_for(item: Item, settings: ReviewSettings) -> str:
    slots = Assignment.objects.filter(item=item).aggregate(
        submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
        reserved=Count("pk", filter=Q(status=Assignment.Status.RESERVED)),
    )
    submitted = slots["submitted"]
    if submitted == 0:
        return Item.Status.IN_REVIEW if slots["reserved"] else Item.Status.PENDING
    if submitted < settings.overlap + item.extra_slots:
        return Item.Status.IN_REVIEW
    if item.adjudications.exists():
        return Item.Status.REVIEWED
    disagreement = item_disagreement(item=item)
    if disagreement.needs_adjudication(threshold=settings.adjudication_spread, kind=item.kind):
        return Item.Status.NEEDS_ADJUDICATION
    return Item.Status.REVIEWED


def item_status_refresh(*, item: Item, actor: Any = None, reason: str = "") -> Item:
    """Move an item to the status its reviews imply; approved and rejected items stay put.

    Call it inside the transaction that changed the item's reviews or assignments.
    """
    if item.status in FINAL_STATUSES:
        return item
    status = _status_for(item, review_settings_of_item(item=item))
    if status != item.status:
        with transaction.atomic():
            before = item.status
            Item.objects.filter(pk=item.pk).update(status=status)
            item.status = status
            audit_record(
                actor=actor,
                action=AuditAction.ITEM_STATUS,
                obj=item,
                project=item.project,
                before={"status": before},
                after={"status": status},
                reason=reason,
            )
    return item
