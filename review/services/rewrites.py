"""A reviewer's better version of a counselor turn, kept as a candidate pair.

The original turn becomes an "original" Candidate (once per turn, shared by every rewrite of
it) and the reviewer's text a "rewrite" Candidate answering the same context; the Rewrite row
pairs them with the rationale: original rejected, rewrite chosen, as exports read it.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.limits import rewrite_max_chars, text_problems
from dialogues.models import Candidate, Speaker, Turn
from review.models import Assignment, Item, Rewrite, TaskKind
from review.selectors.access import review_settings_for
from review.services.assignment import assignment_check_open, assignment_lock
from review.services.item_status import item_status_refresh
from review.services.reviewing import ReviewError


def _same_words(text: str) -> str:
    """The text with runs of whitespace made one space: a line break is no rewrite."""
    return " ".join(text.split())


def rewrite_contains_original(*, rewrite: str, original: str) -> bool:
    """Whether a rewrite holds its original turn whole, whitespace aside.

    Such a "rewrite" is the original with words added (a box that opened pre-filled once
    produced them); as a chosen response beside the same original rejected, it would teach a
    model to repeat the rejected reply.
    """
    original = _same_words(original)
    return bool(original) and original in _same_words(rewrite)


def rewrite_create(
    *, item: Item, reviewer: Any, turn_index: int, text: str, rationale: str
) -> Rewrite:
    """Record a rewrite of the counselor turn at ``turn_index`` (0-based) of the item's session."""
    text, rationale = text.strip(), rationale.strip()
    problems: dict[str, str] = {}
    if item.kind != Item.Kind.SESSION:
        problems["__all__"] = _("Only turns of a session can be rewritten.")
    if not review_settings_for(project=item.project).has_task(TaskKind.REWRITE):
        problems["__all__"] = _("This project does not ask for rewrites.")
    if not Assignment.objects.filter(
        item=item,
        reviewer=reviewer,
        status__in=[Assignment.Status.RESERVED, Assignment.Status.SUBMITTED],
    ).exists():
        problems["__all__"] = _("Rewrite turns of the items you are reviewing.")
    turn = Turn.objects.filter(session_id=item.session_id, index=turn_index).first()
    if turn is None or turn.speaker != Speaker.COUNSELOR:
        problems["turn"] = _("Pick a counselor turn of this session.")
    if not text:
        problems["text"] = _("Write the better response.")
    elif turn is not None and _same_words(text) == _same_words(turn.text):
        problems["text"] = _("The rewrite is the same as the original.")
    elif turn is not None and rewrite_contains_original(rewrite=text, original=turn.text):
        problems["text"] = _(
            "The rewrite contains the whole original turn. Keep only your own version: it "
            "becomes the chosen response of a training pair, with the original as the rejected one."
        )
    if not rationale:
        problems["rationale"] = _("Say why your version is better.")
    problems.update(text_problems(("rationale", _("The rationale"), rationale)))
    problems.update(text_problems(("text", _("The rewrite"), text), maximum=rewrite_max_chars()))
    if problems:
        raise ReviewError(problems)
    assert turn is not None
    with transaction.atomic():
        original, _created = Candidate.objects.get_or_create(
            session_id=item.session_id,
            turn_index=turn_index,
            key=f"original-turn-{turn_index + 1}",
            defaults={"text": turn.text, "origin": Candidate.Origin.ORIGINAL},
        )
        rewritten = Candidate.objects.create(
            session_id=item.session_id,
            turn_index=turn_index,
            key=f"rewrite-turn-{turn_index + 1}-{secrets.token_hex(4)}",
            text=text,
            origin=Candidate.Origin.REWRITE,
            created_by=reviewer,
        )
        rewrite = Rewrite.objects.create(
            item=item,
            reviewer=reviewer,
            turn_index=turn_index,
            original=original,
            rewrite=rewritten,
            rationale=rationale,
        )
        audit_record(
            actor=reviewer,
            action=AuditAction.REWRITE_CREATE,
            obj=rewrite,
            project=item.project,
            after={
                "turn": turn_index + 1,
                "original": original.pk,
                "rewrite": rewritten.pk,
                "text": text,
                "rationale": rationale,
            },
        )
    return rewrite


def rewrite_finish(*, assignment: Assignment) -> Assignment:
    """Close a slot on a project whose only task is rewriting: the reviewer is done with it."""
    assignment_check_open(assignment=assignment)
    if assignment.status == Assignment.Status.SUBMITTED:
        return assignment
    with transaction.atomic():
        locked = assignment_lock(assignment=assignment)
        assignment_check_open(assignment=locked)
        if locked.status == Assignment.Status.SUBMITTED:
            # Finished by a request that ran at the same moment; it recorded the finish.
            assignment.status, assignment.submitted_at = locked.status, locked.submitted_at
            return assignment
        rewrites = Rewrite.objects.filter(item=locked.item, reviewer=locked.reviewer).count()
        locked.status = Assignment.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        audit_record(
            actor=locked.reviewer,
            action=AuditAction.ASSIGNMENT_FINISH,
            obj=locked,
            project=locked.item.project,
            before={"status": Assignment.Status.RESERVED},
            after={"status": locked.status, "rewrites": rewrites},
        )
        item_status_refresh(item=locked.item, actor=locked.reviewer)
    assignment.status, assignment.submitted_at = locked.status, locked.submitted_at
    return assignment
