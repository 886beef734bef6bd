"""Handing out review slots: a reviewer's next item, reservations that expire, skipping.

Each item wants ``overlap`` (k) distinct reviewers. A slot is active while it is submitted, or
reserved and not yet expired. The queue is deterministic: among the items that still have a free
slot, by default the one with the most active slots first (``ReviewSettings.queue_order`` "depth"),
so an item with k-1 reviews is completed before an untouched one is started and items reach
"reviewed" or adjudication early; a project may choose "breadth" instead, the fewest active slots
first, so every item gets a first review before any gets a second, or "triage": crisis-flagged
items, then where the judges are unsure or disagree, then a random control slice
(docs/judges.md, "Triage"). Ties go by ``Item.position``,
then pk, so two runs with the same data hand out the same slots.

Concurrency: the item row is locked (``SELECT ... FOR UPDATE``) while its slots are counted and
the new one is written, so two reviewers racing for an item's last slot cannot both take it; the
loser moves on to the next candidate item. Every slot writer locks the item before the slot
(``assignment_lock``), so a submit and a take never deadlock, and a reservation that expired is
released only while it is still reserved and expired. A reviewer whose reservation expired may
still save and submit as long as nobody took the slot over; once it was released to another
reviewer, the work is refused with a clear message. SQLite has no row locks, but it serialises
writers, so the count-then-write still holds there within one process.

Calibration: where the project requires it, a reviewer who has not passed gets the gold items
first, every one of them whatever the overlap (each reviewer calibrates on the same set), and no
live item until ``review.services.calibration.calibration_passed`` says so.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ConflictError
from core.limits import text_too_long
from core.locks import member_work_lock
from core.models import Project
from review.models import Assignment, Item, ReviewSettings
from review.models.triage import TriageBand
from review.selectors.access import review_settings_for
from review.selectors.item_outcome import FINAL_STATUSES
from review.selectors.triage import open_crisis_flag
from review.services.calibration import calibration_passed
from review.services.item_status import item_status_refresh

# How many candidate items one call tries before concluding that nothing is free. Losing a race
# moves on to the next one; a few dozen covers any realistic crowd on one project.
CANDIDATES_PER_CALL = 25

# How each queue order sorts the items with a free slot by their active slots.
_QUEUE_ORDER: dict[str, str] = {
    ReviewSettings.QueueOrder.DEPTH: "-active",
    ReviewSettings.QueueOrder.BREADTH: "active",
}


class AssignmentError(ConflictError):
    """A slot operation that cannot be done; the message is for the reviewer.

    The slot is no longer the reviewer's (skipped, expired) or not in a state that allows it,
    hence a 409. The API answers it with an empty ``problems``, like every refusal of the work
    API, so that a client reads one shape.
    """

    def __init__(self, message: str | Promise = "", *, extra: dict[str, Any] | None = None):
        super().__init__(message, extra={"problems": {}, **(extra or {})})


def active_slots_q(*, now: Any, prefix: str = "") -> Q:
    """Slots that count towards an item's k: submitted, or reserved and not expired."""
    return Q(**{f"{prefix}status": Assignment.Status.SUBMITTED}) | Q(
        **{f"{prefix}status": Assignment.Status.RESERVED, f"{prefix}reserved_until__gt": now}
    )


def assignment_current(*, project: Project, reviewer: Any) -> Assignment | None:
    """The reviewer's open reservation in the project, if one has not expired."""
    return (
        Assignment.objects.filter(
            item__project=project,
            reviewer=reviewer,
            status=Assignment.Status.RESERVED,
            reserved_until__gt=timezone.now(),
        )
        .select_related("item")
        .order_by("created_at", "pk")
        .first()
    )


def calibration_pending(*, project: Project, reviewer: Any, settings: ReviewSettings) -> bool:
    """Must this reviewer still pass calibration before live work?"""
    if not settings.require_calibration:
        return False
    return not calibration_passed(project=project, reviewer=reviewer)


def _taken_by(reviewer: Any, now: Any) -> QuerySet[Assignment]:
    # Items where the reviewer already worked (submitted, skipped) or holds a live reservation
    # are not theirs to take again; an expired or released slot of theirs may be taken back.
    # Only ever used to exclude items of one project, so it needs no join to the item to
    # name the project: the reviewer's own slots are a short index scan.
    return Assignment.objects.filter(reviewer=reviewer).filter(
        Q(status__in=[Assignment.Status.SUBMITTED, Assignment.Status.SKIPPED])
        | Q(status=Assignment.Status.RESERVED, reserved_until__gt=now)
    )


def _candidates(
    *, project: Project, reviewer: Any, settings: ReviewSettings, now: Any, calibrating: bool
) -> QuerySet[Item]:
    items = (
        Item.objects.filter(project=project)
        .exclude(status__in=FINAL_STATUSES)
        .exclude(pk__in=_taken_by(reviewer, now).values("item_id"))
    )
    if calibrating:
        # Every reviewer calibrates on the same gold items, so their overlap does not apply;
        # until the reviewer passes, live items wait.
        return items.filter(is_gold=True).order_by("position", "pk")
    return (
        items.annotate(
            active=Count("assignments", filter=active_slots_q(now=now, prefix="assignments__"))
        )
        # A lead may send an item back for more reviews than the overlap (extra_slots).
        .filter(active__lt=settings.overlap + F("extra_slots"))
        .order_by(*_queue_order(settings))
    )


def _queue_order(settings: ReviewSettings) -> list[Any]:
    if settings.queue_order != ReviewSettings.QueueOrder.TRIAGE:
        return [_QUEUE_ORDER.get(settings.queue_order, "-active"), "position", "pk"]
    # Triage: crisis-flagged items first (read now, not from the stored ranking), then the
    # stored band and priority (review.services.triage); an item not ranked yet counts as
    # not judged. Within a band, items nearer completion first, as in "depth".
    band = Case(
        When(open_crisis_flag(), then=Value(int(TriageBand.CRISIS))),
        default=Coalesce(F("triage__band"), Value(int(TriageBand.UNJUDGED))),
        output_field=IntegerField(),
    )
    return [
        band.asc(),
        F("triage__priority").desc(nulls_last=True),
        "-active",
        "position",
        "pk",
    ]


def assignment_candidates(*, project: Project, reviewer: Any) -> QuerySet[Item]:
    """The items this reviewer could be given next, in queue order."""
    settings = review_settings_for(project=project)
    return _candidates(
        project=project,
        reviewer=reviewer,
        settings=settings,
        now=timezone.now(),
        calibrating=calibration_pending(project=project, reviewer=reviewer, settings=settings),
    )


def _is_active(slot: Assignment, now: Any) -> bool:
    """``active_slots_q`` for a slot already read."""
    return slot.status == Assignment.Status.SUBMITTED or (
        slot.status == Assignment.Status.RESERVED
        and slot.reserved_until is not None
        and slot.reserved_until > now
    )


def _take(
    *, item_id: int, project: Project, reviewer: Any, settings: ReviewSettings, calibrating: bool
) -> Assignment | None:
    """Reserve a slot on one item under its row lock, or None when the item filled up meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item_id)
        if item.status in FINAL_STATUSES:
            return None
        if item.project_id == project.pk:
            item.project = project  # the audit events name it; no need to read it again
        # An item has a handful of slots: read them once under the item's lock and sort them
        # here, rather than count, look up and list them in three queries.
        slots = list(Assignment.objects.filter(item=item).order_by("pk"))
        wanted = settings.overlap + item.extra_slots
        if not calibrating and sum(_is_active(slot, now) for slot in slots) >= wanted:
            return None
        until = now + timedelta(minutes=settings.reservation_minutes)
        mine = next((slot for slot in slots if slot.reviewer_id == reviewer.pk), None)
        if mine is not None and (
            mine.status in (Assignment.Status.SUBMITTED, Assignment.Status.SKIPPED)
            or (
                mine.status == Assignment.Status.RESERVED
                and mine.reserved_until is not None
                and mine.reserved_until > now
            )
        ):
            return None
        # The slot of an expired reservation goes back into the pool: its holder loses it. The
        # update is conditional, so a slot that its holder submitted or renewed a moment ago
        # (every writer locks the item first, but this costs nothing) is never turned back.
        expired = [
            slot
            for slot in slots
            if slot.status == Assignment.Status.RESERVED
            and slot.reserved_until is not None
            and slot.reserved_until <= now
            and slot.reviewer_id != reviewer.pk
        ]
        for stale in expired:
            released = Assignment.objects.filter(
                pk=stale.pk, status=Assignment.Status.RESERVED, reserved_until__lte=now
            ).update(status=Assignment.Status.RELEASED)
            if not released:
                continue
            audit_record(
                actor=reviewer,
                action=AuditAction.ASSIGNMENT_RELEASE,
                obj=stale,
                project=item.project,
                before={"status": Assignment.Status.RESERVED, "reviewer": stale.reviewer_id},
                after={"status": Assignment.Status.RELEASED},
                reason="reservation expired",
            )
        before = None
        if mine is None:
            mine = Assignment(item=item, reviewer=reviewer, swapped=secrets.randbelow(2) == 1)
        else:
            # Taking back one's own expired or released slot keeps its recorded left/right order.
            before = {"status": mine.status}
        mine.status = Assignment.Status.RESERVED
        mine.reserved_until = until
        mine.save()
        audit_record(
            actor=reviewer,
            action=AuditAction.ASSIGNMENT_RESERVE,
            obj=mine,
            project=item.project,
            before=before,
            after={
                "status": mine.status,
                "item": item.pk,
                "reserved_until": until.isoformat(),
                "swapped": mine.swapped,
            },
        )
        item_status_refresh(item=item, actor=reviewer)
        return mine


def assignment_next(*, project: Project, reviewer: Any) -> Assignment | None:
    """The reviewer's current reservation, or a newly reserved slot; None when nothing is left.

    One reviewer asks once at a time per project: three "Next item" clicks at once each found no
    reservation and reserved an item of their own, one person blocking three slots. Under the
    lock the second and third find the first one's reservation and are given it.
    """
    with member_work_lock(project_id=project.pk, user_id=reviewer.pk, purpose="review.next"):
        return _next(project=project, reviewer=reviewer)


def _next(*, project: Project, reviewer: Any) -> Assignment | None:
    current = assignment_current(project=project, reviewer=reviewer)
    if current is not None:
        return current
    settings = review_settings_for(project=project)
    now = timezone.now()
    calibrating = calibration_pending(project=project, reviewer=reviewer, settings=settings)
    candidates = _candidates(
        project=project, reviewer=reviewer, settings=settings, now=now, calibrating=calibrating
    )
    for item_id in candidates.values_list("pk", flat=True)[:CANDIDATES_PER_CALL]:
        try:
            assignment = _take(
                item_id=item_id,
                project=project,
                reviewer=reviewer,
                settings=settings,
                calibrating=calibrating,
            )
        except IntegrityError:
            # The same reviewer in a second tab took this item a moment ago.
            return assignment_current(project=project, reviewer=reviewer)
        if assignment is not None:
            return assignment
    return None


def assignment_extend(*, assignment: Assignment) -> Assignment:
    """Keep a reservation alive while its reviewer works on it (called on every draft save)."""
    if assignment.status != Assignment.Status.RESERVED:
        return assignment
    settings = review_settings_for(project=assignment.item.project)
    assignment.reserved_until = timezone.now() + timedelta(minutes=settings.reservation_minutes)
    Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.RESERVED).update(
        reserved_until=assignment.reserved_until
    )
    return assignment


def assignment_lock(*, assignment: Assignment) -> Assignment:
    """Lock the slot's item, then the slot, and return the slot as it is now.

    Every writer that changes a slot (take, draft save, submit, skip) locks in this order, item
    first: a submit that locked only the slot while a take locked the item and then the slot
    waited on each other crosswise (a deadlock), and the take could overwrite the submission.
    Call it inside ``transaction.atomic``.
    """
    Item.objects.select_for_update().filter(pk=assignment.item_id).values_list("pk").get()
    return Assignment.objects.select_for_update().get(pk=assignment.pk)


def assignment_check_open(*, assignment: Assignment) -> None:
    """Refuse work on a slot that is no longer the reviewer's (skipped, or released to another)."""
    if assignment.status == Assignment.Status.RELEASED:
        raise AssignmentError(
            _("Your reservation expired and the item went to another reviewer; nothing was saved.")
        )
    if assignment.status == Assignment.Status.SKIPPED:
        raise AssignmentError(_("You skipped this item; nothing was saved."))


def assignment_skip(*, assignment: Assignment, reason: str) -> Assignment:
    """Give the slot back with a reason; someone else can take it from now on."""
    reason = reason.strip()
    if not reason:
        raise AssignmentError(_("Please say why you skip this item."))
    too_long = text_too_long(value=reason, label=_("The reason"))
    if too_long:
        raise AssignmentError(too_long)
    if assignment.status != Assignment.Status.RESERVED:
        raise AssignmentError(_("Only an item you are working on can be skipped."))
    with transaction.atomic():
        locked = assignment_lock(assignment=assignment)
        assignment_check_open(assignment=locked)
        if locked.status != Assignment.Status.RESERVED:
            raise AssignmentError(_("Only an item you are working on can be skipped."))
        item = locked.item
        # Calibration is decided over every gold item; a skipped one could never be answered.
        if item.is_gold and review_settings_for(project=item.project).require_calibration:
            raise AssignmentError(_("Calibration items cannot be skipped; please score this one."))
        before = {"status": assignment.status}
        assignment.status = Assignment.Status.SKIPPED
        assignment.skip_reason = reason
        assignment.reserved_until = None
        assignment.save(update_fields=["status", "skip_reason", "reserved_until"])
        audit_record(
            actor=assignment.reviewer,
            action=AuditAction.ASSIGNMENT_SKIP,
            obj=assignment,
            project=item.project,
            before=before,
            after={"status": assignment.status},
            reason=reason,
        )
        item_status_refresh(item=item, actor=assignment.reviewer)
    return assignment
