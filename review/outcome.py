"""What the reviews of an item add up to: disagreement, status, final scores and choice.

Used by every service that changes reviews (to move the item's status), by the adjudication
queue (worst disagreement first) and by exports (final scores: the latest adjudication where
there is one, else the median of the submitted reviews).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import median
from typing import Any

from django.db import transaction

from core.audit import audit_record
from review.models import Adjudication, Assignment, Item, PairwiseJudgment, Review, ReviewSettings

FINAL_STATUSES = (Item.Status.APPROVED, Item.Status.REJECTED)


@dataclass(frozen=True)
class Disagreement:
    """How far an item's reviewers are apart.

    ``spread`` is the largest max-minus-min over the criteria (sessions) or 1 for a split choice
    and 0 for a unanimous one (pairs); ``criteria`` names the criteria at that spread.

    ``share`` is the widest spread as a share of its criterion's scale (0 to 1; a split choice
    is 1), so items on different scales sort together: a met / not met criterion split between
    reviewers is as far apart as reviewers can be, and so is a split pair. ``split_binary``
    names the met / not met criteria the reviewers split on: they can never reach a score
    spread of 2, so a split there needs adjudication whatever the threshold.
    """

    spread: Decimal
    criteria: tuple[str, ...] = ()
    share: Decimal = Decimal(0)
    split_binary: tuple[str, ...] = ()

    def needs_adjudication(self, *, threshold: Decimal, kind: str) -> bool:
        if kind == Item.Kind.PAIR:
            return self.spread > 0
        return self.spread >= threshold or bool(self.split_binary)


def _submitted_reviews(item: Item) -> list[Review]:
    return list(
        Review.objects.filter(item=item, status=Review.Status.SUBMITTED).prefetch_related(
            "scores__criterion"
        )
    )


def _submitted_choices(item: Item) -> list[str]:
    return list(
        PairwiseJudgment.objects.filter(
            item=item, status=PairwiseJudgment.Status.SUBMITTED
        ).values_list("choice", flat=True)
    )


def scores_by_criterion(reviews: list[Review]) -> dict[str, list[Decimal]]:
    """Each criterion's submitted numeric scores (not applicable left out), in review order."""
    values: dict[str, list[Decimal]] = defaultdict(list)
    for review in reviews:
        for score in review.scores.all():
            if not score.not_applicable and score.value is not None:
                values[score.criterion.code].append(score.value)
    return values


def item_disagreement(*, item: Item) -> Disagreement:
    if item.kind == Item.Kind.PAIR:
        choices = _submitted_choices(item)
        if len(set(choices)) <= 1:
            return Disagreement(Decimal(0))
        return Disagreement(Decimal(1), ("choice",), share=Decimal(1))
    reviews = _submitted_reviews(item)
    criteria = {
        score.criterion.code: score.criterion for review in reviews for score in review.scores.all()
    }
    spreads = {
        code: max(values) - min(values)
        for code, values in scores_by_criterion(reviews).items()
        if len(values) > 1
    }
    if not spreads:
        return Disagreement(Decimal(0))
    worst = max(spreads.values())
    return Disagreement(
        worst,
        tuple(sorted(c for c, s in spreads.items() if s == worst)),
        share=max(_share(spread, criteria[code]) for code, spread in spreads.items()),
        split_binary=tuple(
            sorted(c for c, s in spreads.items() if s > 0 and criteria[c].is_binary)
        ),
    )


def _share(spread: Decimal, criterion: Any) -> Decimal:
    scale = Decimal(1) if criterion.is_binary else criterion.scale_max - criterion.scale_min
    if scale <= 0:
        return Decimal(0)
    return min(Decimal(1), spread / scale)


def _status_for(item: Item, settings: ReviewSettings) -> str:
    submitted = Assignment.objects.filter(item=item, status=Assignment.Status.SUBMITTED).count()
    if submitted == 0:
        active = Assignment.objects.filter(item=item, status=Assignment.Status.RESERVED).exists()
        return Item.Status.IN_REVIEW if active else Item.Status.PENDING
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
    settings, _created = ReviewSettings.objects.get_or_create(project_id=item.project_id)
    status = _status_for(item, settings)
    if status != item.status:
        with transaction.atomic():
            before = item.status
            Item.objects.filter(pk=item.pk).update(status=status)
            item.status = status
            audit_record(
                actor=actor,
                action="review.item.status",
                obj=item,
                project=item.project,
                before={"status": before},
                after={"status": status},
                reason=reason,
            )
    return item


def item_latest_adjudication(*, item: Item) -> Adjudication | None:
    return item.adjudications.order_by("-created_at", "-pk").first()


def item_final_scores(*, item: Item) -> dict[str, Decimal | None]:
    """The item's final score per criterion code (None: not applicable or never scored).

    The latest adjudication wins outright; otherwise the median of the submitted reviews. The
    median suits ordinal rubric scales and is what a lead would read off a spread of reviews.
    """
    adjudication = item_latest_adjudication(item=item)
    if adjudication is not None and adjudication.scores:
        return {
            code: (Decimal(str(value)) if value is not None else None)
            for code, value in adjudication.scores.items()
        }
    reviews = _submitted_reviews(item)
    codes = {score.criterion.code for review in reviews for score in review.scores.all()}
    values = scores_by_criterion(reviews)
    return {
        code: (Decimal(str(median(values[code]))) if values.get(code) else None)
        for code in sorted(codes)
    }


def item_final_choice(*, item: Item) -> str | None:
    """The item's final pairwise choice: the latest adjudication, else a strict majority."""
    adjudication = item_latest_adjudication(item=item)
    if adjudication is not None and adjudication.choice:
        return adjudication.choice
    counts = Counter(_submitted_choices(item))
    if not counts:
        return None
    (top, top_count), *rest = counts.most_common()
    if rest and rest[0][1] == top_count:
        return None
    return top if top_count * 2 > sum(counts.values()) else None
