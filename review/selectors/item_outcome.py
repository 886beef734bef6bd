"""What the reviews of an item add up to: disagreement, final scores and final choice.

Read by the services that move an item's status (review.services.item_status), by the
adjudication queue (worst disagreement first), by the lead's item page, by agreement
(adjudicated scores) and by exports (final scores: the latest adjudication where there is one,
else the median of the submitted reviews).

The final-score rule lives here once, as ``final_scores`` over rows already read, and
``latest_adjudications`` picks the adjudication that counts for any number of items: the
per-item selectors below and the export's bulk reading both call them, so the page and the
export cannot drift apart (tests/exports/test_final_scores.py checks it on generated projects).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median
from typing import Any

from django.db.models import QuerySet

from review.models import Adjudication, Item, PairwiseJudgment, Review

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


# An item's adjudications, the one that counts first: the latest, and of two recorded at the
# same instant the one recorded last.
LATEST_FIRST = ("-created_at", "-pk")


@dataclass(frozen=True)
class AdjudicationOutcome:
    """What the adjudication that counts for an item decided."""

    scores: dict[str, Any]
    total: Decimal | None
    rubric_id: int | None
    choice: str

    @property
    def decides_scores(self) -> bool:
        """An adjudication with scores replaces the reviews' scores outright (one without,
        such as a pair's choice, leaves them be)."""
        return bool(self.scores)


def latest_adjudications(
    *, adjudications: QuerySet[Adjudication]
) -> dict[int, AdjudicationOutcome]:
    """Item id -> the adjudication that counts, among ``adjudications`` (one query)."""
    latest: dict[int, AdjudicationOutcome] = {}
    rows = adjudications.order_by("item_id", *LATEST_FIRST).values_list(
        "item_id", "scores", "total", "rubric_id", "choice"
    )
    for item_id, scores, total, rubric_id, choice in rows:
        if item_id not in latest:
            latest[item_id] = AdjudicationOutcome(scores or {}, total, rubric_id, choice or "")
    return latest


def final_scores(
    *,
    codes: Iterable[str],
    scored: Mapping[str, Sequence[Decimal]],
    adjudication: AdjudicationOutcome | None,
) -> dict[str, Decimal | None]:
    """The final score per criterion code (None: not applicable or never scored).

    ``codes`` are the criteria the submitted reviews scored or marked not applicable and
    ``scored`` their numeric scores. The adjudication that counts wins outright; otherwise the
    median of the reviews. The median suits ordinal rubric scales and is what a lead would
    read off a spread of reviews; of an even number it is the mean of the middle two, which
    can fall between two steps of the scale.
    """
    if adjudication is not None and adjudication.decides_scores:
        return {
            code: (Decimal(str(value)) if value is not None else None)
            for code, value in sorted(adjudication.scores.items())
        }
    # The median of Decimals is a Decimal already.
    return {code: (median(scored[code]) if scored.get(code) else None) for code in sorted(codes)}


def item_latest_adjudication(*, item: Item) -> Adjudication | None:
    return item.adjudications.order_by(*LATEST_FIRST).first()


def item_adjudication_outcome(*, item: Item) -> AdjudicationOutcome | None:
    return latest_adjudications(adjudications=item.adjudications.all()).get(item.pk)


def item_final_scores(*, item: Item) -> dict[str, Decimal | None]:
    """The item's final score per criterion code: ``final_scores`` for one item."""
    reviews = _submitted_reviews(item)
    codes = {score.criterion.code for review in reviews for score in review.scores.all()}
    return final_scores(
        codes=codes,
        scored=scores_by_criterion(reviews),
        adjudication=item_adjudication_outcome(item=item),
    )


def item_final_choice(*, item: Item) -> str | None:
    """The item's final pairwise choice: the latest adjudication, else a strict majority."""
    adjudication = item_adjudication_outcome(item=item)
    if adjudication is not None and adjudication.choice:
        return adjudication.choice
    counts = Counter(_submitted_choices(item))
    if not counts:
        return None
    (top, top_count), *rest = counts.most_common()
    if rest and rest[0][1] == top_count:
        return None
    return top if top_count * 2 > sum(counts.values()) else None
