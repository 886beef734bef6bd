"""Calibration: how closely a reviewer's work on gold items matches the expected answers.

A gold session item carries expected scores for some or all criteria; a reviewer's score
*agrees* when it lies within the project's tolerance of the expected one (both "not applicable"
also agrees). A gold pair carries the expected choice, which agrees when it matches exactly.
The result is the share of agreeing answers over every gold criterion and choice the reviewer
has submitted.

Passing needs that share to reach the project's pass share over a calibration set of a useful
size: every gold item of the project, or at least ``CALIBRATION_MIN_ITEMS`` of them where there
are more. One lucky item is not a calibration. A project without gold items has nothing to
calibrate against, so its reviewers pass (the lead's calibration page warns about it).

A reviewer who falls short is not stuck: the lead may waive calibration for them, with a reason
(``calibration_waive``), after looking at their answers; the waiver can be withdrawn. Gold items
cannot be skipped while calibration is required, so every reviewer answers the whole set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ApplicationError
from core.limits import text_too_long
from core.models import Membership, Project, Role
from review.models import Assignment, CalibrationWaiver, Item, PairwiseJudgment, Review
from review.selectors.access import review_settings_for

CALIBRATION_MIN_ITEMS = 3


@dataclass(frozen=True)
class CalibrationResult:
    gold_items: int  # gold items in the project
    items_done: int  # gold items the reviewer submitted
    items_needed: int  # how many must be done before passing is decided
    answers: int  # criteria and choices compared
    agreeing: int
    pass_share: Decimal
    tolerance: Decimal

    @property
    def share(self) -> Decimal | None:
        if not self.answers:
            return None
        return Decimal(self.agreeing) / Decimal(self.answers)

    @property
    def complete(self) -> bool:
        return self.items_done >= self.items_needed

    @property
    def passed(self) -> bool:
        if self.gold_items == 0:
            return True
        share = self.share
        return self.complete and share is not None and share >= self.pass_share


def _score_agrees(
    expected: Any, value: Decimal | None, not_applicable: bool, tolerance: Decimal
) -> bool:
    if expected is None:
        return not_applicable
    if not_applicable or value is None:
        return False
    return abs(value - Decimal(str(expected))) <= tolerance


def calibration_result(*, project: Project, reviewer: Any) -> CalibrationResult:
    settings = review_settings_for(project=project)
    tolerance = settings.calibration_tolerance
    gold_items = Item.objects.filter(project=project, is_gold=True).count()
    done = Assignment.objects.filter(
        item__project=project,
        item__is_gold=True,
        reviewer=reviewer,
        status=Assignment.Status.SUBMITTED,
    ).values("item_id")
    answers = agreeing = 0
    reviews = Review.objects.filter(
        item_id__in=done, reviewer=reviewer, status=Review.Status.SUBMITTED
    ).prefetch_related("scores__criterion")
    for review in reviews.select_related("item"):
        expected = review.item.gold_scores
        for score in review.scores.all():
            if score.criterion.code not in expected:
                continue
            answers += 1
            agreeing += _score_agrees(
                expected[score.criterion.code], score.value, score.not_applicable, tolerance
            )
    judgments = PairwiseJudgment.objects.filter(
        item_id__in=done, reviewer=reviewer, status=PairwiseJudgment.Status.SUBMITTED
    ).select_related("item")
    for judgment in judgments:
        if judgment.item.gold_choice:
            answers += 1
            agreeing += judgment.choice == judgment.item.gold_choice
    return CalibrationResult(
        gold_items=gold_items,
        items_done=done.count(),
        items_needed=min(gold_items, CALIBRATION_MIN_ITEMS),
        answers=answers,
        agreeing=agreeing,
        pass_share=settings.calibration_pass_share,
        tolerance=tolerance,
    )


def calibration_passed(*, project: Project, reviewer: Any) -> bool:
    """May this reviewer start live work? Always, when the project does not require calibration."""
    if not review_settings_for(project=project).require_calibration:
        return True
    if calibration_waived(project=project, reviewer=reviewer):
        return True
    return calibration_result(project=project, reviewer=reviewer).passed


class CalibrationError(ApplicationError):
    """A calibration decision that cannot be made; the message is for the lead."""


def calibration_waived(*, project: Project, reviewer: Any) -> bool:
    return CalibrationWaiver.objects.filter(project=project, reviewer=reviewer).exists()


def _reviewer_of(project: Project, reviewer: Any) -> None:
    if not Membership.objects.filter(project=project, user=reviewer, role=Role.REVIEWER).exists():
        raise CalibrationError(_("Only a reviewer of this project has a calibration to clear."))


@transaction.atomic
def _reason_fits(reason: str) -> None:
    too_long = text_too_long(value=reason, label=_("The reason"))
    if too_long:
        raise CalibrationError(too_long)


def calibration_waive(
    *, project: Project, reviewer: Any, reason: str, actor: Any
) -> CalibrationWaiver:
    """Let a reviewer start live work without passing; the lead says why."""
    reason = reason.strip()
    if not reason:
        raise CalibrationError(_("Say why this reviewer may start without passing."))
    _reason_fits(reason)
    _reviewer_of(project, reviewer)
    waiver, created = CalibrationWaiver.objects.get_or_create(
        project=project, reviewer=reviewer, defaults={"cleared_by": actor, "reason": reason}
    )
    if not created:
        raise CalibrationError(_("Calibration is already cleared for this reviewer."))
    result = calibration_result(project=project, reviewer=reviewer)
    audit_record(
        actor=actor,
        action=AuditAction.CALIBRATION_WAIVE,
        obj=waiver,
        project=project,
        before={
            "reviewer": reviewer.username,
            "agreeing": result.agreeing,
            "answers": result.answers,
        },
        after={"reviewer": reviewer.username, "waived": True},
        reason=reason,
    )
    return waiver


@transaction.atomic
def calibration_waiver_withdraw(
    *, project: Project, reviewer: Any, reason: str, actor: Any
) -> None:
    """Back to the pass mark: the reviewer needs to pass again before new live work."""
    reason = reason.strip()
    if not reason:
        raise CalibrationError(_("Say why you withdraw the waiver."))
    _reason_fits(reason)
    waiver = CalibrationWaiver.objects.filter(project=project, reviewer=reviewer).first()
    if waiver is None:
        raise CalibrationError(_("Calibration is not cleared for this reviewer."))
    audit_record(
        actor=actor,
        action=AuditAction.CALIBRATION_WITHDRAW,
        obj=waiver,
        project=project,
        before={"reviewer": reviewer.username, "waived": True},
        after={"reviewer": reviewer.username, "waived": False},
        reason=reason,
    )
    waiver.delete()
