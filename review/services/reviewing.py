"""A reviewer's scoring of a session: drafts, submission, and edits after submission.

A draft keeps whatever the reviewer has so far (partial scores are fine, values must still be
on the scale). Submitting needs every criterion scored, or marked not applicable where the
criterion allows it, and a rationale wherever the criterion requires one; the total and pass /
fail come from ``rubrics.scoring.rubric_score`` so they mean what they mean everywhere else.
Editing a submitted review keeps the earlier state as a ReviewRevision with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.limits import text_problems, text_too_long
from review.models import Assignment, Item, Review, ReviewFlag, ReviewRevision, Score
from review.selectors.access import review_settings_for
from review.selectors.rubric import rubric_parts_of
from review.services.assignment import assignment_check_open, assignment_extend, assignment_lock
from review.services.item_status import item_status_refresh
from rubrics.files import number_out
from rubrics.models import Criterion, Rubric
from rubrics.scoring import ScoreError, rubric_score


class _Unread:
    """The slot's review has not been read yet (``existing`` left out)."""


UNREAD = _Unread()


class ReviewError(ValueError):
    """What keeps a review from being saved; ``problems`` maps a field (criterion code,
    ``comment``, ``flags``, ``reason`` or ``__all__``) to a message for the reviewer."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{key}: {message}" for key, message in problems.items()))


@dataclass
class ScoreInput:
    """One criterion as the reviewer left it; no value and not NA means not scored yet."""

    value: Decimal | None = None
    not_applicable: bool = False
    rationale: str = ""
    evidence_turns: list[int] = field(default_factory=list)

    @property
    def is_scored(self) -> bool:
        return self.not_applicable or self.value is not None


@dataclass
class ReviewInput:
    scores: dict[str, ScoreInput] = field(default_factory=dict)
    comment: str = ""
    flags: list[str] = field(default_factory=list)


def review_input_from_form(*, data: Any, rubric: Rubric) -> ReviewInput:
    """Read the scoring form (``score-<code>``, ``rationale-<code>``, ``evidence-<code>``,
    ``comment``, ``flags``) into a ReviewInput. Values are checked by the services."""
    scores: dict[str, ScoreInput] = {}
    for criterion in rubric.criteria.all():
        code = criterion.code
        raw = (data.get(f"score-{code}") or "").strip()
        entry = ScoreInput(rationale=(data.get(f"rationale-{code}") or "").strip())
        if raw == "na":
            entry.not_applicable = True
        elif raw:
            try:
                entry.value = Decimal(raw)
            except InvalidOperation:
                entry.value = Decimal("NaN")
        turns = []
        for part in (data.get(f"evidence-{code}") or "").replace(",", " ").split():
            if part.isdigit():
                turns.append(int(part) - 1)  # the page numbers turns from 1
            else:
                turns.append(-1)
        entry.evidence_turns = turns
        scores[code] = entry
    flags = data.getlist("flags") if hasattr(data, "getlist") else list(data.get("flags") or [])
    return ReviewInput(scores=scores, comment=(data.get("comment") or "").strip(), flags=flags)


def _value_problem(criterion: Criterion, entry: ScoreInput) -> str | None:
    if entry.not_applicable:
        if not criterion.allow_na:
            return _("'Not applicable' is not allowed for this criterion.")
        return None
    value = entry.value
    if value is None:
        return None
    if not value.is_finite():
        return _("The score must be a number.")
    levels = criterion.levels()
    if value not in levels:
        return _("%(value)s is not a level of this criterion (%(low)s to %(high)s).") % {
            "value": value.normalize(),
            "low": levels[0].normalize(),
            "high": levels[-1].normalize(),
        }
    return None


def _check(*, rubric: Rubric, data: ReviewInput, turn_count: int, complete: bool) -> dict[str, str]:
    """Every problem with the input; ``complete`` adds what a submission needs."""
    problems: dict[str, str] = {}
    criteria = {criterion.code: criterion for criterion in rubric.criteria.all()}
    for code in data.scores:
        if code not in criteria:
            problems[code] = _("No such criterion in this rubric.")
    for code, criterion in criteria.items():
        entry = data.scores.get(code, ScoreInput())
        problem = _value_problem(criterion, entry)
        if problem is None and any(not 0 <= turn < turn_count for turn in entry.evidence_turns):
            problem = _("Evidence must name turns 1 to %(count)s.") % {"count": turn_count}
        if problem is None and complete:
            if not entry.is_scored:
                problem = (
                    _("Give a score or mark it not applicable.")
                    if criterion.allow_na
                    else _("Give a score.")
                )
            elif criterion.rationale_required and not entry.not_applicable and not entry.rationale:
                problem = _("A rationale is required for this criterion.")
        if problem is None:
            problem = text_too_long(value=entry.rationale, label=_("The rationale"))
        if problem:
            problems[code] = problem
    unknown_flags = sorted(set(data.flags) - set(ReviewFlag.values))
    if unknown_flags:
        problems["flags"] = _("Unknown flag: %(flags)s.") % {"flags": ", ".join(unknown_flags)}
    problems.update(text_problems(("comment", _("The comment"), data.comment)))
    return problems


def _rubric_for(item: Item) -> Rubric:
    rubric = review_settings_for(project=item.project).rubric
    if rubric is None:
        raise ReviewError({"__all__": _("This project has no rubric yet; ask its lead.")})
    return rubric_parts_of(rubric=rubric)


def _rubric_of(review: Review) -> Rubric:
    """The version a started review keeps, with its parts (read once for a published one)."""
    return rubric_parts_of(rubric=review.rubric)


def review_snapshot(*, review: Review) -> dict[str, Any]:
    """The review's state as JSON: what audit events and revisions keep."""
    return _snapshot(
        review, review.scores.select_related("criterion").order_by("criterion__position")
    )


def _snapshot(review: Review, scores: Iterable[Score]) -> dict[str, Any]:
    return {
        "status": review.status,
        "version": review.version,
        "comment": review.comment,
        "flags": list(review.flags),
        "total": None if review.total is None else str(number_out(review.total)),
        "passed": review.passed,
        "scores": {
            score.criterion.code: {
                "value": None if score.value is None else str(score.value.normalize()),
                "not_applicable": score.not_applicable,
                "rationale": score.rationale,
                "evidence_turns": list(score.evidence_turns),
            }
            for score in scores
        },
    }


def _write(*, review: Review, rubric: Rubric, data: ReviewInput) -> dict[str, Any]:
    """Store the input as the review's scores; the review's snapshot as it now stands.

    The snapshot is made from the rows just written rather than read back: the same values,
    one query fewer on every autosave.
    """
    criteria = {criterion.code: criterion for criterion in rubric.criteria.all()}
    review.comment = data.comment
    review.flags = [flag for flag in ReviewFlag.values if flag in data.flags]
    review.save()
    review.scores.all().delete()
    scores = Score.objects.bulk_create(
        Score(
            review=review,
            criterion=criteria[code],
            value=None if entry.not_applicable else entry.value,
            not_applicable=entry.not_applicable,
            rationale=entry.rationale,
            evidence_turns=sorted(set(entry.evidence_turns)),
        )
        for code, entry in data.scores.items()
        if code in criteria and (entry.is_scored or entry.rationale or entry.evidence_turns)
    )
    return _snapshot(review, sorted(scores, key=lambda score: score.criterion.position))


def _total(*, rubric: Rubric, data: ReviewInput) -> tuple[Decimal | None, bool | None]:
    values = {
        code: (None if entry.not_applicable else entry.value) for code, entry in data.scores.items()
    }
    try:
        result = rubric_score(rubric=rubric, scores=values)
    except ScoreError as exc:  # _check has caught these already; keep the rubric's wording
        raise ReviewError({"__all__": str(exc)}) from exc
    return result.total, result.passed


def _review_for(assignment: Assignment, rubric: Rubric) -> Review:
    review = Review.objects.filter(assignment=assignment).first()
    if review is None:
        review = Review(
            assignment=assignment,
            item=assignment.item,
            reviewer=assignment.reviewer,
            rubric=rubric,
        )
    return review


def _existing(assignment: Assignment, known: Review | _Unread | None) -> Review | None:
    """The slot's review as read before the lock, with its rubric: the one the caller read
    (``review.selectors.reviewer.scoring_review``), or read here."""
    if not isinstance(known, _Unread):
        return known
    return Review.objects.filter(assignment=assignment).select_related("rubric").first()


def review_draft_save(
    *, assignment: Assignment, data: ReviewInput, existing: Review | _Unread | None = UNREAD
) -> Review:
    """Keep the reviewer's work so far; a submitted review is changed only by ``review_edit``.

    ``existing`` is the slot's review (or None) when the caller has just read it with its
    rubric, as ``scoring_review`` does; it is read again under the lock before writing.
    """
    assignment_check_open(assignment=assignment)
    item = assignment.item
    existing = _existing(assignment, existing)
    if existing is not None and existing.status == Review.Status.SUBMITTED:
        raise ReviewError({"__all__": _("This review is submitted; edit it with a reason.")})
    rubric = _rubric_of(existing) if existing is not None else _rubric_for(item)
    problems = _check(rubric=rubric, data=data, turn_count=item.session.turn_count, complete=False)
    if problems:
        raise ReviewError(problems)
    with transaction.atomic():
        # A draft save still in flight when the reviewer submits must not turn the submitted
        # review back into a draft: the assignment's row lock orders the two.
        locked = assignment_lock(assignment=assignment)
        assignment_check_open(assignment=locked)
        if locked.status == Assignment.Status.SUBMITTED:
            raise ReviewError({"__all__": _("This review is submitted; edit it with a reason.")})
        review = _review_for(assignment, rubric)
        before = review_snapshot(review=review) if review.pk else None
        after = _write(review=review, rubric=rubric, data=data)
        assignment_extend(assignment=assignment)
        audit_record(
            actor=assignment.reviewer,
            action=AuditAction.REVIEW_DRAFT,
            obj=review,
            project=item.project,
            before=before,
            after=after,
        )
    return review


def review_submit(
    *, assignment: Assignment, data: ReviewInput, existing: Review | _Unread | None = UNREAD
) -> Review:
    """Submit the review: complete, on the scale, totalled; the item's status follows.
    ``existing`` as for ``review_draft_save``."""
    assignment_check_open(assignment=assignment)
    item = assignment.item
    existing = _existing(assignment, existing)
    if existing is not None and existing.status == Review.Status.SUBMITTED:
        raise ReviewError({"__all__": _("This review is already submitted.")})
    rubric = _rubric_of(existing) if existing is not None else _rubric_for(item)
    problems = _check(rubric=rubric, data=data, turn_count=item.session.turn_count, complete=True)
    if problems:
        raise ReviewError(problems)
    total, passed = _total(rubric=rubric, data=data)
    now = timezone.now()
    with transaction.atomic():
        locked = assignment_lock(assignment=assignment)
        assignment_check_open(assignment=locked)
        # Asked again under the lock: a second submit of the same slot (a double click, a retry,
        # another tab) passed the check above too, and would overwrite the first one's scores
        # with no revision kept.
        if locked.status == Assignment.Status.SUBMITTED:
            raise ReviewError({"__all__": _("This review is already submitted.")})
        review = _review_for(assignment, rubric)
        before = review_snapshot(review=review) if review.pk else None
        review.status = Review.Status.SUBMITTED
        review.total = total
        review.passed = passed
        review.submitted_at = now
        after = _write(review=review, rubric=rubric, data=data)
        locked.status = Assignment.Status.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=["status", "submitted_at"])
        assignment.status, assignment.submitted_at = locked.status, locked.submitted_at
        audit_record(
            actor=assignment.reviewer,
            action=AuditAction.REVIEW_SUBMIT,
            obj=review,
            project=item.project,
            before=before,
            after=after,
        )
        item_status_refresh(item=item, actor=assignment.reviewer)
    return review


def review_edit(*, review: Review, data: ReviewInput, reason: str, user: Any) -> Review:
    """Change a submitted review; the earlier version is kept with the reason."""
    reason = reason.strip()
    problems = _check(
        rubric=review.rubric, data=data, turn_count=review.item.session.turn_count, complete=True
    )
    if review.status != Review.Status.SUBMITTED:
        problems["__all__"] = _("Only a submitted review is edited; save the draft instead.")
    if not reason:
        problems["reason"] = _("Say why you change a submitted review.")
    problems.update(text_problems(("reason", _("The reason"), reason)))
    if problems:
        raise ReviewError(problems)
    total, passed = _total(rubric=review.rubric, data=data)
    with transaction.atomic():
        before = review_snapshot(review=review)
        ReviewRevision.objects.create(
            review=review, version=review.version, snapshot=before, reason=reason, edited_by=user
        )
        review.version += 1
        review.total = total
        review.passed = passed
        after = _write(review=review, rubric=review.rubric, data=data)
        audit_record(
            actor=user,
            action=AuditAction.REVIEW_EDIT,
            obj=review,
            project=review.item.project,
            before=before,
            after=after,
            reason=reason,
        )
        item_status_refresh(item=review.item, actor=user, reason=reason)
    return review


def review_input_from_review(*, review: Review | None) -> ReviewInput:
    """A saved review as form input, for showing it again."""
    if review is None:
        return ReviewInput()
    scores = {
        score.criterion.code: ScoreInput(
            value=score.value,
            not_applicable=score.not_applicable,
            rationale=score.rationale,
            evidence_turns=list(score.evidence_turns),
        )
        for score in review.scores.all()
    }
    return ReviewInput(scores=scores, comment=review.comment, flags=list(review.flags))


def scores_as_values(*, scores: Mapping[str, ScoreInput]) -> dict[str, str]:
    """{code: "3" or "na"} as the scoring form marks its chosen levels."""
    values: dict[str, str] = {}
    for code, entry in scores.items():
        if entry.not_applicable:
            values[code] = "na"
        elif entry.value is not None:
            values[code] = str(number_out(entry.value))
    return values
