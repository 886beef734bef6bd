"""Screening flags: building them from hits on import, and a lead clearing or reopening one.

A flag keeps its session out of exports until a lead clears it with a reason. One kind of hit
is cleared as it is made: crisis words inside a question the counselor asks ("have you had
thoughts of ending your life?") are a safety check, not a client at risk. The flag is still
written, so the session page shows it and a lead can reopen it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ApplicationError
from core.models import Membership, Role
from dialogues.models import Candidate, Flag, Session, Speaker, Turn
from dialogues.screening import CRISIS, QUESTION, Hit

# Stored in English, like every reason; pages show it translated (templatetags/screening.py).
SAFETY_QUESTION_REASON = "Safety question asked by the counselor; cleared by screening."
MATCHED_TEXT_LIMIT = 500
REASON_LIMIT = 2000


class FlagError(ApplicationError):
    """A clear or reopen that cannot be done; the message is for the user."""


def flag_is_safety_question(*, hit: Hit, speaker: str) -> bool:
    return hit.kind == CRISIS and speaker == Speaker.COUNSELOR and hit.framing == QUESTION


def flag_values_for_hit(
    *,
    hit: Hit,
    session_id: int,
    speaker: str,
    now: datetime,
    turn_id: int | None = None,
    candidate_id: int | None = None,
) -> dict[str, Any]:
    """The column values of the Flag row for one hit, for the import's bulk writer."""
    cleared = flag_is_safety_question(hit=hit, speaker=speaker)
    return {
        "session_id": session_id,
        "turn_id": turn_id,
        "candidate_id": candidate_id,
        "kind": hit.kind,
        "category": hit.category,
        "speaker": speaker,
        "matched_text": hit.matched_text[:MATCHED_TEXT_LIMIT],
        "start": hit.start,
        "end": hit.end,
        "detector": hit.detector,
        "status": Flag.Status.CLEARED if cleared else Flag.Status.OPEN,
        "cleared_by_id": None,
        "cleared_at": now if cleared else None,
        "clear_reason": SAFETY_QUESTION_REASON if cleared else "",
    }


def flags_for_hits(
    *,
    session: Session,
    hits: list[Hit],
    speaker: str,
    turn: Turn | None = None,
    candidate: Candidate | None = None,
) -> list[Flag]:
    """Unsaved Flag objects for the hits in one turn or candidate response of ``session``."""
    now = timezone.now()
    return [
        Flag(
            **flag_values_for_hit(
                hit=hit,
                session_id=session.pk,
                speaker=speaker,
                now=now,
                turn_id=turn.pk if turn is not None else None,
                candidate_id=candidate.pk if candidate is not None else None,
            )
        )
        for hit in hits
    ]


def _require_lead(*, flag: Flag, user: User) -> None:
    leads = Membership.objects.filter(project_id=flag.session.project_id, user=user, role=Role.LEAD)
    if not user.is_authenticated or not leads.exists():
        raise PermissionDenied


def _snapshot(flag: Flag) -> dict[str, Any]:
    return {
        "status": flag.status,
        "cleared_by": flag.cleared_by_id,
        "clear_reason": flag.clear_reason,
    }


def flag_clear(*, flag: Flag, user: User, reason: str) -> Flag:
    """A lead clears an open flag, saying why; recorded in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise FlagError(_("Say why the flag can be cleared."))
    if len(reason) > REASON_LIMIT:
        raise FlagError(_("Keep the reason under %(limit)d characters.") % {"limit": REASON_LIMIT})
    _require_lead(flag=flag, user=user)
    with transaction.atomic():
        locked = (
            Flag.objects.select_for_update(of=("self",))
            .select_related("session__project")
            .get(pk=flag.pk)
        )
        if locked.status == Flag.Status.CLEARED:
            raise FlagError(_("This flag is already cleared."))
        before = _snapshot(locked)
        locked.status = Flag.Status.CLEARED
        locked.cleared_by = user
        locked.cleared_at = timezone.now()
        locked.clear_reason = reason
        locked.save(update_fields=["status", "cleared_by", "cleared_at", "clear_reason"])
        audit_record(
            actor=user,
            action=AuditAction.FLAG_CLEAR,
            obj=locked,
            project=locked.session.project,
            before=before,
            after=_snapshot(locked),
            reason=reason,
        )
    return locked


def flag_reopen(*, flag: Flag, user: User, reason: str = "") -> Flag:
    """A lead reopens a cleared flag (one cleared by mistake, or by screening itself)."""
    reason = (reason or "").strip()[:REASON_LIMIT]
    _require_lead(flag=flag, user=user)
    with transaction.atomic():
        locked = (
            Flag.objects.select_for_update(of=("self",))
            .select_related("session__project")
            .get(pk=flag.pk)
        )
        if locked.status == Flag.Status.OPEN:
            raise FlagError(_("This flag is already open."))
        before = _snapshot(locked)
        locked.status = Flag.Status.OPEN
        locked.cleared_by = None
        locked.cleared_at = None
        locked.clear_reason = ""
        locked.save(update_fields=["status", "cleared_by", "cleared_at", "clear_reason"])
        audit_record(
            actor=user,
            action=AuditAction.FLAG_REOPEN,
            obj=locked,
            project=locked.session.project,
            before=before,
            after=_snapshot(locked),
            reason=reason,
        )
    return locked
