"""Approving and rejecting items: one by one, or every item a rule picks.

Only approved items reach exports. Approval needs a reviewed item (all k reviews in, and an
adjudication where they disagreed); rejecting is possible at any time before a final decision,
since a lead may throw out an unusable session without waiting for its reviews.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from statistics import median
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ApplicationError
from core.limits import text_too_long
from core.models import Project
from dialogues.models import Flag
from review.models import Choice, Item, Review
from review.selectors.item_outcome import (
    FINAL_STATUSES,
    item_adjudication_outcome,
    item_final_choice,
    item_final_scores,
)
from review.services.adjudication import item_rubric
from rubrics.scoring import ScoreError, rubric_score


class ApprovalError(ApplicationError):
    """A decision that cannot be made; the message is for the lead."""


@dataclass(frozen=True)
class ApprovalRule:
    """Which reviewed items a bulk approval takes.

    ``min_total``: session items whose final total reaches it (None: any total).
    ``without_flags``: leave out items with an open screening flag or a reviewer's flag.
    Pairs are approved only with a definite final preference (a or b), since a tie or two
    unacceptable responses teach a preference model nothing.
    """

    kind: str = ""
    min_total: Decimal | None = None
    without_flags: bool = True

    def describe(self) -> str:
        parts = [f"kind={self.kind or 'any'}"]
        if self.min_total is not None:
            parts.append(f"final total >= {self.min_total}")
        if self.without_flags:
            parts.append("no open flags")
        return "bulk rule: " + ", ".join(parts)


def item_final_total(*, item: Item) -> Decimal | None:
    """A session item's final total on its rubric (None when it cannot be computed).

    The latest adjudication's total where there is one; else the total of the final (median)
    scores. A median of an even number of reviews can fall between two levels of a scale,
    which the rubric refuses as a score; then the median of the reviews' own totals stands in.
    """
    adjudication = item_adjudication_outcome(item=item)
    if adjudication is not None and adjudication.decides_scores and adjudication.total is not None:
        return adjudication.total
    rubric = item_rubric(item=item)
    if rubric is None:
        return None
    try:
        return rubric_score(rubric=rubric, scores=item_final_scores(item=item)).total
    except ScoreError:
        totals = [
            total
            for total in Review.objects.filter(
                item=item, status=Review.Status.SUBMITTED
            ).values_list("total", flat=True)
            if total is not None
        ]
        return Decimal(str(median(totals))) if totals else None


def item_has_flags(*, item: Item) -> bool:
    """An open screening flag on the session, or any flag a reviewer raised in a submission."""
    if Flag.objects.filter(session_id=item.session_id, status=Flag.Status.OPEN).exists():
        return True
    return any(
        flags
        for flags in Review.objects.filter(item=item, status=Review.Status.SUBMITTED).values_list(
            "flags", flat=True
        )
    )


def _rule_takes(item: Item, rule: ApprovalRule) -> bool:
    if rule.without_flags and item_has_flags(item=item):
        return False
    if item.kind == Item.Kind.PAIR:
        return item_final_choice(item=item) in (Choice.A, Choice.B)
    if rule.min_total is None:
        return True
    total = item_final_total(item=item)
    return total is not None and total >= rule.min_total


def approval_candidates(*, project: Project, rule: ApprovalRule) -> list[Item]:
    """The reviewed items the rule would approve, in queue order."""
    items = Item.objects.filter(project=project, status=Item.Status.REVIEWED).select_related(
        "project"
    )
    if rule.kind:
        items = items.filter(kind=rule.kind)
    return [item for item in items if _rule_takes(item, rule)]


def _decide(item: Item, *, status: str, actor: Any, reason: str) -> Item:
    too_long = text_too_long(value=reason, label=_("The reason"))
    if too_long:
        raise ApprovalError(too_long)
    before = item.status
    Item.objects.filter(pk=item.pk).update(status=status)
    item.status = status
    audit_record(
        actor=actor,
        action=(
            AuditAction.ITEM_APPROVE if status == Item.Status.APPROVED else AuditAction.ITEM_REJECT
        ),
        obj=item,
        project=item.project,
        before={"status": before},
        after={"status": status},
        reason=reason,
    )
    return item


@transaction.atomic
def item_approve(*, item: Item, actor: Any, reason: str = "") -> Item:
    item = Item.objects.select_for_update().select_related("project").get(pk=item.pk)
    if item.status != Item.Status.REVIEWED:
        raise ApprovalError(
            _("Only a reviewed item can be approved; this one is %(status)s.")
            % {"status": item.get_status_display()}
        )
    return _decide(item, status=Item.Status.APPROVED, actor=actor, reason=reason.strip())


@transaction.atomic
def item_reject(*, item: Item, actor: Any, reason: str = "") -> Item:
    item = Item.objects.select_for_update().select_related("project").get(pk=item.pk)
    if item.status in FINAL_STATUSES:
        raise ApprovalError(
            _("This item is already %(status)s.") % {"status": item.get_status_display()}
        )
    return _decide(item, status=Item.Status.REJECTED, actor=actor, reason=reason.strip())


def items_approve_by_rule(*, project: Project, rule: ApprovalRule, actor: Any) -> list[Item]:
    """Approve every item the rule takes; each approval is its own audited decision."""
    approved: list[Item] = []
    with transaction.atomic():
        for item in approval_candidates(project=project, rule=rule):
            locked = Item.objects.select_for_update().select_related("project").get(pk=item.pk)
            if locked.status != Item.Status.REVIEWED:
                continue  # decided by someone else meanwhile
            approved.append(
                _decide(locked, status=Item.Status.APPROVED, actor=actor, reason=rule.describe())
            )
    return approved
