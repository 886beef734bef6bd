"""The small, immutable answers the agreement functions hand back to services."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


# When a figure says too little to be read as evidence (docs/agreement.md, "How much a figure
# rests on"): fewer pairable items than this, or fewer ratings per rated item on average.
MIN_ITEMS = 30
MIN_RATINGS_PER_ITEM = 2.0
# Above this share of resamples without variation (left out of the interval) the interval is
# flagged: leaving them out pulls it upwards.
MAX_DROPPED_SHARE = 0.05


class Caution(StrEnum):
    """Why a figure should be read with care; the UI maps these codes to translated sentences."""

    FEW_ITEMS = "few_items"  # fewer than MIN_ITEMS pairable items
    FEW_RATERS = "few_raters"  # fewer than MIN_RATINGS_PER_ITEM ratings per rated item
    DROPPED_RESAMPLES = "dropped_resamples"  # more than MAX_DROPPED_SHARE resamples left out


class Undefined(StrEnum):
    """Why a statistic has no value; the UI maps these codes to translated sentences."""

    TOO_FEW_RATINGS = "too_few_ratings"  # no item has two or more ratings
    NO_VARIATION = "no_variation"  # every pairable rating has the same value


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha with a bootstrap percentile interval.

    `n_items` counts items with at least two ratings (the only ones alpha can use) and
    `n_pairable` the ratings on those items. `low`/`high` are None when no interval was asked
    for (`n_boot == 0`) or no resample had variation; `n_boot_undefined` resamples without
    variation are left out of the interval. `n_rated_items` counts every item with a rating
    and `n_ratings` those ratings, pairable or not, for the ratings-per-item warning.
    """

    level: Level
    alpha: float | None
    low: float | None
    high: float | None
    n_items: int
    n_pairable: int
    n_raters: int
    confidence: float
    n_boot: int
    n_boot_undefined: int
    seed: int
    reason: Undefined | None = None
    n_rated_items: int = 0
    n_ratings: int = 0

    @property
    def defined(self) -> bool:
        return self.alpha is not None

    @property
    def ratings_per_item(self) -> float | None:
        return self.n_ratings / self.n_rated_items if self.n_rated_items else None

    @property
    def warnings(self) -> tuple[Caution, ...]:
        """Every reason to distrust this figure, in a fixed order (empty when none applies)."""
        found = []
        if self.n_items < MIN_ITEMS:
            found.append(Caution.FEW_ITEMS)
        per_item = self.ratings_per_item
        if per_item is None or per_item < MIN_RATINGS_PER_ITEM:
            found.append(Caution.FEW_RATERS)
        if self.n_boot and self.n_boot_undefined > MAX_DROPPED_SHARE * self.n_boot:
            found.append(Caution.DROPPED_RESAMPLES)
        return tuple(found)

    @property
    def unreliable(self) -> bool:
        """Thin data: too few items, or too few raters per item, for the figure to be read."""
        return bool({Caution.FEW_ITEMS, Caution.FEW_RATERS} & set(self.warnings))


@dataclass(frozen=True)
class WeeklyAlpha:
    """Alpha over the items whose last rating fell in one ISO week (e.g. "2026-W48")."""

    week: str
    result: AlphaResult


@dataclass(frozen=True)
class PairwiseAgreement:
    """Agreement on pairwise choices: nominal alpha and MT-bench style percent agreement.

    Percent agreement is the share of agreeing rater pairs over every pair of raters who voted
    on the same item; "without ties" leaves out pairs in which either vote is a tie.
    """

    alpha: AlphaResult
    agreement: float | None
    n_pairs: int
    agreement_without_ties: float | None
    n_pairs_without_ties: int


@dataclass(frozen=True)
class ReviewerAgreement:
    """One reviewer against the consensus of the other reviewers on the same items.

    The consensus is the median of the others (the most common value, when unique, for nominal
    criteria). `bias` is the mean of (this reviewer's score - the others' mean): above zero the
    reviewer is more lenient than their colleagues, below zero more severe.
    """

    rater: object
    n_items: int
    exact: float | None
    within_one: float | None
    mean_abs_diff: float | None
    bias: float | None
    alpha: float | None


@dataclass(frozen=True)
class ConfusionMatrix:
    """Counts of items by judge score (rows) and rounded human median (columns)."""

    labels: tuple[float, ...]
    counts: tuple[tuple[int, ...], ...]

    def count(self, *, judge: float, human: float) -> int:
        return self.counts[self.labels.index(judge)][self.labels.index(human)]


@dataclass(frozen=True)
class Disagreement:
    item: object
    human_median: float
    judge: float
    difference: float  # judge - human median


@dataclass(frozen=True)
class JudgeAlignment:
    """How closely an LLM judge follows the human reviewers on one criterion.

    `humans` and `with_judge` are alpha on the same items (judged, with two or more human
    ratings), without and with the judge as an extra rater. The other figures compare the
    judge with the human median on every judged item that has a human rating; `bias` is the
    mean of (judge - human mean).
    """

    n_items: int
    humans: AlphaResult
    with_judge: AlphaResult
    spearman: float | None
    kappa: float | None
    mean_abs_error: float | None
    bias: float | None
    confusion: ConfusionMatrix
    disagreements: tuple[Disagreement, ...]


@dataclass(frozen=True)
class PairwiseDisagreement:
    """An item where the judge chose otherwise than the reviewers' majority."""

    item: object
    majority: str
    votes: int  # reviewers who chose the majority
    n_raters: int
    judge: str


@dataclass(frozen=True)
class JudgePairwiseAlignment:
    """A judge's pairwise choices against the most common human choice per item.

    `disagreements` lists items where the judge went against the majority, the most one-sided
    majorities first (a judge overruling a unanimous panel is the first thing a lead checks).
    """

    n_items: int
    n_no_majority: int
    agreement: float | None
    agreement_without_ties: float | None
    n_items_without_ties: int
    disagreements: tuple[PairwiseDisagreement, ...] = ()


@dataclass(frozen=True)
class PositionConsistency:
    """A judge asked twice, with the two responses swapped: does it pick the same response?

    `first_slot` counts items where it chose whichever response was shown first both times,
    `second_slot` whichever was shown second; both are position bias, not preference.
    """

    n_items: int
    n_consistent: int
    consistency: float | None
    first_slot: int
    second_slot: int
