"""A lead's final word on an item whose reviewers disagree (or on any reviewed item).

The adjudication is a new row each time; the latest counts
(review.selectors.item_outcome.item_final_scores) and earlier ones stay on record. The reason is
required: a final score that overrides clinicians' scores must say why.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ApplicationError
from core.limits import text_too_long
from review.models import Adjudication, Choice, Item, Review
from review.selectors.access import review_settings_for
from review.selectors.item_outcome import item_final_choice, item_final_scores
from review.services.item_status import item_status_refresh
from rubrics.models import Rubric
from rubrics.scoring import ScoreError, rubric_score

ADJUDICABLE = (Item.Status.NEEDS_ADJUDICATION, Item.Status.REVIEWED)


class AdjudicationError(ApplicationError):
    """An adjudication that cannot be recorded; ``problems`` lists each reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def item_rubric(*, item: Item) -> Rubric | None:
    """The rubric version the item's reviews were written against (else the project's)."""
    review = (
        Review.objects.filter(item=item, status=Review.Status.SUBMITTED)
        .select_related("rubric")
        .first()
    )
    if review is not None:
        return review.rubric
    return review_settings_for(project=item.project).rubric


def _json_number(value: Decimal | float | None) -> int | float | None:
    if value is None:
        return None
    value = Decimal(str(value))
    return int(value) if value == value.to_integral_value() else float(value)


def _final_snapshot(item: Item) -> dict[str, Any]:
    if item.kind == Item.Kind.PAIR:
        return {"status": item.status, "choice": item_final_choice(item=item)}
    return {
        "status": item.status,
        "scores": {
            code: _json_number(value) for code, value in item_final_scores(item=item).items()
        },
    }


@transaction.atomic
def item_adjudicate(
    *,
    item: Item,
    lead: Any,
    reason: str,
    scores: Mapping[str, Decimal | float | None] | None = None,
    choice: str = "",
) -> Adjudication:
    """Record the final scores (session items) or choice (pairs) with the lead's reason."""
    item = Item.objects.select_for_update().select_related("project").get(pk=item.pk)
    problems: list[str] = []
    if item.status not in ADJUDICABLE:
        problems.append(
            _(
                "Only a reviewed item or one that needs adjudication can be adjudicated; "
                "this one is %(status)s."
            )
            % {"status": item.get_status_display()}
        )
    if not reason.strip():
        problems.append(_("Say why: the reason is required."))
    too_long = text_too_long(value=reason.strip(), label=_("The reason"))
    if too_long:
        problems.append(too_long)
    adjudication = Adjudication(item=item, lead=lead, reason=reason.strip())
    if item.kind == Item.Kind.PAIR:
        if choice not in Choice.values:
            problems.append(_("Choose the final answer for this pair."))
        adjudication.choice = choice
    else:
        rubric = item_rubric(item=item)
        if rubric is None:
            problems.append(_("The project has no rubric version."))
        else:
            try:
                result = rubric_score(rubric=rubric, scores=scores or {})
            except ScoreError as exc:
                problems.extend(exc.problems)
            else:
                adjudication.rubric = rubric
                adjudication.scores = {
                    code: _json_number(value) for code, value in (scores or {}).items()
                }
                adjudication.total = result.total
    if problems:
        raise AdjudicationError(problems)
    before = _final_snapshot(item)
    adjudication.save()
    audit_record(
        actor=lead,
        action=AuditAction.ITEM_ADJUDICATE,
        obj=item,
        project=item.project,
        before=before,
        after={
            "adjudication": adjudication.pk,
            "scores": adjudication.scores,
            "total": None if adjudication.total is None else str(adjudication.total),
            "choice": adjudication.choice,
        },
        reason=adjudication.reason,
    )
    item_status_refresh(item=item, actor=lead, reason=adjudication.reason)
    return adjudication
