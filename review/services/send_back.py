"""Sending a reviewed item back to review, for one more independent review.

A lead does it from the agreement dashboard, where an item's reviewers (or the judge and the
reviewers) are far apart.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from review.models import Item
from review.services.item_status import item_status_refresh


class SendBackRefused(ValueError):
    """Why an item cannot go back to review, worded for the lead who asked."""


def item_send_back(*, item: Item, actor: Any, reason: str) -> Item:
    """Put a reviewed item back into review so it gets one more independent review.

    The item gains one extra reviewer slot beyond the project's overlap; its status follows
    from that through review.services.item_status (in review until the extra review is in).
    """
    if not reason.strip():
        raise SendBackRefused(_("A reason is required to send an item back to review."))
    with transaction.atomic():
        locked = Item.objects.select_for_update().get(pk=item.pk)
        before = {"status": locked.status, "extra_slots": locked.extra_slots}
        if locked.status in (Item.Status.APPROVED, Item.Status.REJECTED):
            raise SendBackRefused(_("An approved or rejected item cannot be sent back to review."))
        locked.extra_slots += 1
        locked.save(update_fields=["extra_slots", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.ITEM_SENT_BACK,
            obj=locked,
            project=locked.project,
            before=before,
            after={"extra_slots": locked.extra_slots},
            reason=reason,
        )
        item_status_refresh(item=locked, actor=actor, reason=reason)
    item.refresh_from_db()
    return item
