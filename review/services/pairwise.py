"""A reviewer's preference between two responses, stored in terms of the item's candidates.

The screen shows the candidates in the order drawn once for the assignment
(``Assignment.swapped``: candidate b on the left). The page speaks of left and right; the
judgment stores a / b, so the order a reviewer happened to see never leaks into the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.limits import text_problems
from review.models import Assignment, Choice, PairwiseJudgment, ReviewRevision, TaskKind
from review.selectors.access import review_settings_for
from review.services.assignment import assignment_check_open, assignment_extend, assignment_lock
from review.services.item_status import item_status_refresh
from review.services.reviewing import ReviewError

SIDES = ("left", "right")
PRINCIPLE_CHOICES = ("a", "b", "tie")


@dataclass
class JudgmentInput:
    """The pairwise form in a / b terms (see ``judgment_input_from_form``)."""

    choice: str = ""
    strength: int | None = None
    principle_choices: dict[str, str] = field(default_factory=dict)
    rationale: str = ""


def choice_from_side(*, swapped: bool, side: str) -> str:
    """The candidate shown on ``side`` ('left' / 'right'); tie and both_bad pass through."""
    if side not in SIDES:
        return side
    left, right = ("b", "a") if swapped else ("a", "b")
    return left if side == "left" else right


def side_from_choice(*, swapped: bool, choice: str) -> str:
    if choice not in ("a", "b"):
        return choice
    left = "b" if swapped else "a"
    return "left" if choice == left else "right"


def judgment_input_from_form(*, data: Any, assignment: Assignment) -> JudgmentInput:
    """Read the page's form: ``choice`` and ``principle-<code>`` name screen sides."""
    swapped = assignment.swapped
    strength_raw = (data.get("strength") or "").strip()
    principles = {
        key.removeprefix("principle-"): choice_from_side(swapped=swapped, side=value)
        for key, value in data.items()
        if key.startswith("principle-") and value
    }
    return JudgmentInput(
        choice=choice_from_side(swapped=swapped, side=(data.get("choice") or "").strip()),
        strength=int(strength_raw) if strength_raw.isdigit() else (-1 if strength_raw else None),
        principle_choices=principles,
        rationale=(data.get("rationale") or "").strip(),
    )


def _check(*, assignment: Assignment, data: JudgmentInput, complete: bool) -> dict[str, str]:
    problems: dict[str, str] = {}
    settings = review_settings_for(project=assignment.item.project)
    if not settings.has_task(TaskKind.PAIRWISE):
        problems["__all__"] = _("This project does not ask for pair preferences.")
    if data.choice and data.choice not in Choice.values:
        problems["choice"] = _("Choose left, right, tie or both unacceptable.")
    if data.strength is not None and data.strength not in PairwiseJudgment.Strength.values:
        problems["strength"] = _("Strength is slightly, clearly or much.")
    pair_rubric = settings.pair_rubric
    codes = set(pair_rubric.criteria.values_list("code", flat=True)) if pair_rubric else set()
    for code, value in data.principle_choices.items():
        if code not in codes:
            problems[f"principle-{code}"] = _("No such principle in this project.")
        elif value not in PRINCIPLE_CHOICES:
            problems[f"principle-{code}"] = _("Choose left, right or tie.")
    if complete and "choice" not in problems:
        if not data.choice:
            problems["choice"] = _("Choose left, right, tie or both unacceptable.")
        elif data.choice in ("a", "b") and data.strength is None:
            problems["strength"] = _("Say how much better the chosen response is.")
    problems.update(text_problems(("rationale", _("The rationale"), data.rationale)))
    return problems


def judgment_snapshot(*, judgment: PairwiseJudgment) -> dict[str, Any]:
    return {
        "status": judgment.status,
        "version": judgment.version,
        "choice": judgment.choice,
        "strength": judgment.strength,
        "principle_choices": dict(judgment.principle_choices),
        "rationale": judgment.rationale,
        "swapped": judgment.assignment.swapped,
    }


def _apply(judgment: PairwiseJudgment, data: JudgmentInput) -> None:
    judgment.choice = data.choice
    # Strength says how much better one side is; a tie or a double rejection has none.
    judgment.strength = data.strength if data.choice in ("a", "b", "") else None
    judgment.principle_choices = data.principle_choices
    judgment.rationale = data.rationale


def _judgment_for(assignment: Assignment) -> PairwiseJudgment:
    judgment = PairwiseJudgment.objects.filter(assignment=assignment).first()
    if judgment is None:
        judgment = PairwiseJudgment(
            assignment=assignment, item=assignment.item, reviewer=assignment.reviewer
        )
    return judgment


def judgment_draft_save(*, assignment: Assignment, data: JudgmentInput) -> PairwiseJudgment:
    assignment_check_open(assignment=assignment)
    problems = _check(assignment=assignment, data=data, complete=False)
    judgment = _judgment_for(assignment)
    if judgment.status == PairwiseJudgment.Status.SUBMITTED:
        problems["__all__"] = _("This judgment is submitted; edit it with a reason.")
    if problems:
        raise ReviewError(problems)
    with transaction.atomic():
        # See review_draft_save: a late draft must not undo a submission.
        locked = assignment_lock(assignment=assignment)
        assignment_check_open(assignment=locked)
        if locked.status == Assignment.Status.SUBMITTED:
            raise ReviewError({"__all__": _("This judgment is already submitted.")})
        before = judgment_snapshot(judgment=judgment) if judgment.pk else None
        _apply(judgment, data)
        judgment.save()
        assignment_extend(assignment=assignment)
        audit_record(
            actor=assignment.reviewer,
            action=AuditAction.JUDGMENT_DRAFT,
            obj=judgment,
            project=assignment.item.project,
            before=before,
            after=judgment_snapshot(judgment=judgment),
        )
    return judgment


def judgment_submit(*, assignment: Assignment, data: JudgmentInput) -> PairwiseJudgment:
    assignment_check_open(assignment=assignment)
    problems = _check(assignment=assignment, data=data, complete=True)
    judgment = _judgment_for(assignment)
    if judgment.status == PairwiseJudgment.Status.SUBMITTED:
        problems["__all__"] = _("This judgment is already submitted.")
    if problems:
        raise ReviewError(problems)
    now = timezone.now()
    with transaction.atomic():
        locked = assignment_lock(assignment=assignment)
        assignment_check_open(assignment=locked)
        # See review_submit: the second of two submits at once is refused here, under the lock.
        if locked.status == Assignment.Status.SUBMITTED:
            raise ReviewError({"__all__": _("This judgment is already submitted.")})
        judgment = _judgment_for(assignment)
        before = judgment_snapshot(judgment=judgment) if judgment.pk else None
        _apply(judgment, data)
        judgment.status = PairwiseJudgment.Status.SUBMITTED
        judgment.submitted_at = now
        judgment.save()
        locked.status = Assignment.Status.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=["status", "submitted_at"])
        assignment.status, assignment.submitted_at = locked.status, locked.submitted_at
        audit_record(
            actor=assignment.reviewer,
            action=AuditAction.JUDGMENT_SUBMIT,
            obj=judgment,
            project=assignment.item.project,
            before=before,
            after=judgment_snapshot(judgment=judgment),
        )
        item_status_refresh(item=assignment.item, actor=assignment.reviewer)
    return judgment


def judgment_edit(
    *, judgment: PairwiseJudgment, data: JudgmentInput, reason: str, user: Any
) -> PairwiseJudgment:
    reason = reason.strip()
    problems = _check(assignment=judgment.assignment, data=data, complete=True)
    if judgment.status != PairwiseJudgment.Status.SUBMITTED:
        problems["__all__"] = _("Only a submitted judgment is edited; save the draft instead.")
    if not reason:
        problems["reason"] = _("Say why you change a submitted judgment.")
    problems.update(text_problems(("reason", _("The reason"), reason)))
    if problems:
        raise ReviewError(problems)
    with transaction.atomic():
        before = judgment_snapshot(judgment=judgment)
        ReviewRevision.objects.create(
            judgment=judgment,
            version=judgment.version,
            snapshot=before,
            reason=reason,
            edited_by=user,
        )
        judgment.version += 1
        _apply(judgment, data)
        judgment.save()
        audit_record(
            actor=user,
            action=AuditAction.JUDGMENT_EDIT,
            obj=judgment,
            project=judgment.item.project,
            before=before,
            after=judgment_snapshot(judgment=judgment),
            reason=reason,
        )
        item_status_refresh(item=judgment.item, actor=user, reason=reason)
    return judgment
