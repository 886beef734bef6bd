"""Krippendorff's alpha from per-item value counts, for many resampled weightings at once.

Alpha is 1 - D_o / D_e. With N_u the value counts of pairable item u (m_u ratings), n_v the
pooled counts (n values in all) and delta the metric's squared distance between two values:

    D_o proportional to  sum_u  N_u' delta N_u / (m_u - 1)
    D_e proportional to  n_v' delta n_v / (n - 1)

(delta is zero on its diagonal, so the "minus the diagonal" terms of the coincidence matrices
vanish). A bootstrap resample of items only changes how often each item counts, so both sums are
linear in per-item weights: one matrix product gives them for every resample. Items with the
same value counts contribute identically, so they are merged into patterns first; for rating
scales that leaves a few hundred rows however many items there are.

For interval data delta(c, k) = (c - k)^2, and for ordinal data Krippendorff's delta equals
(r_c - r_k)^2 with r the mid-rank of each value in the pooled counts (cumulative count minus
half its own), so both use sum_{i != j} (a_i - a_j)^2 = 2 m sum a^2 - 2 (sum a)^2 and never
build a values x values matrix. Ordinal ranks depend on the pooled counts, hence on the
resample, which is why the ordinal branch works per resample.
"""

from __future__ import annotations

from dataclasses import dataclass

import krippendorff
import numpy as np
import numpy.typing as npt

from review.stats.results import Level

Floats = npt.NDArray[np.float64]

# krippendorff.alpha holds items x values x values floats several times over; above this many
# elements (8 MB each) the point estimate comes from the vectorised code below, which the tests
# hold to the package's answer within 1e-9. At ten million an export of 100,000 items spent
# about 100 MB on each criterion's point estimate.
KRIPPENDORFF_MAX_ELEMENTS = 1_000_000
# Bound on the floats in one block of resamples, so memory stays flat for any number of them.
BLOCK_ELEMENTS = 2_000_000


@dataclass(frozen=True)
class Patterns:
    """Distinct rows of pairable value counts and how many items have each."""

    counts: Floats  # patterns x values
    multiplicity: Floats  # patterns
    domain: Floats  # values, ascending

    @property
    def n_items(self) -> int:
        return int(self.multiplicity.sum())


def patterns_from_counts(
    *, counts: npt.NDArray[np.int64], domain: npt.NDArray[np.float64]
) -> Patterns:
    pairable = counts[counts.sum(axis=1) >= 2]
    used = pairable.sum(axis=0) > 0
    unique, multiplicity = _unique_rows(pairable[:, used])
    return Patterns(unique.astype(np.float64), multiplicity.astype(np.float64), domain[used])


def _unique_rows(rows: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """The distinct rows in ascending order, and how often each occurs: ``np.unique(rows,
    axis=0, return_counts=True)``.

    Counts are small, so each row usually fits in one integer (its counts as digits in a base
    above the largest); sorting those is about thirty times faster than numpy's row-wise
    sort, and gives the same rows in the same order.
    """
    base = int(rows.max()) + 1 if rows.size else 1
    if rows.size and base ** rows.shape[1] < 2**62:
        places = base ** np.arange(rows.shape[1] - 1, -1, -1, dtype=np.int64)
        _, first, multiplicity = np.unique(rows @ places, return_index=True, return_counts=True)
        return rows[first], multiplicity
    unique, multiplicity = np.unique(rows, axis=0, return_counts=True)
    return unique, multiplicity


def alpha_point(
    *, counts: npt.NDArray[np.int64], domain: npt.NDArray[np.float64], level: Level
) -> float | None:
    """Alpha of the data as given, from the krippendorff package while it fits in memory."""
    pairable = counts[counts.sum(axis=1) >= 2]
    used = pairable.sum(axis=0) > 0
    if used.sum() < 2:
        return None
    if pairable.shape[0] * int(used.sum()) ** 2 <= KRIPPENDORFF_MAX_ELEMENTS:
        value = krippendorff.alpha(
            value_counts=pairable[:, used], value_domain=domain[used], level_of_measurement=level
        )
        return float(value)
    patterns = patterns_from_counts(counts=counts, domain=domain)
    return float(
        alphas_for_weights(patterns=patterns, weights=patterns.multiplicity[None], level=level)[0]
    )


def alphas_for_weights(*, patterns: Patterns, weights: Floats, level: Level) -> Floats:
    """Alpha for each row of `weights` (resamples x patterns); NaN where no variation is left."""
    counts = patterns.counts
    per_item = counts.sum(axis=1)
    pooled = weights @ counts  # resamples x values
    n = pooled.sum(axis=1)
    if level == "nominal":
        within = (per_item**2 - (counts**2).sum(axis=1)) / (per_item - 1)
        observed = weights @ within
        expected = n**2 - (pooled**2).sum(axis=1)
    elif level == "interval":
        centre = (patterns.multiplicity @ counts @ patterns.domain) / (
            patterns.multiplicity @ per_item
        )
        scores = patterns.domain - centre
        observed = weights @ (_spread(counts, scores) / (per_item - 1))
        expected = _spread(pooled, scores)
    elif level == "ordinal":
        ranks = np.cumsum(pooled, axis=1) - pooled / 2
        ranks -= ((pooled * ranks).sum(axis=1) / np.maximum(n, 1))[:, None]
        linear = counts @ ranks.T  # patterns x resamples
        squares = counts @ (ranks**2).T
        within = (2 * per_item[:, None] * squares - 2 * linear**2) / (per_item - 1)[:, None]
        observed = (weights * within.T).sum(axis=1)
        expected = 2 * n * (pooled * ranks**2).sum(axis=1)
    elif level == "ratio":
        delta = _ratio_delta(patterns.domain)
        observed = weights @ (((counts @ delta) * counts).sum(axis=1) / (per_item - 1))
        expected = ((pooled @ delta) * pooled).sum(axis=1)
    else:
        raise ValueError(f"unknown level of measurement {level!r}")
    varied = (pooled > 0).sum(axis=1) >= 2
    alphas = np.full(weights.shape[0], np.nan)
    alphas[varied] = 1 - (n[varied] - 1) * observed[varied] / expected[varied]
    return alphas


def _spread(counts: Floats, scores: Floats) -> Floats:
    """Sum over ordered pairs of distinct ratings of (score_i - score_j)^2, per row of counts."""
    total = counts.sum(axis=-1)
    return 2 * total * (counts @ scores**2) - 2 * (counts @ scores) ** 2


def _ratio_delta(domain: Floats) -> Floats:
    sums = domain[:, None] + domain[None, :]
    diffs = domain[:, None] - domain[None, :]
    safe = np.where(sums == 0, 1.0, sums)
    return np.where(sums == 0, 0.0, diffs / safe) ** 2


def alphas_bootstrap(
    *, patterns: Patterns, level: Level, n_boot: int, rng: np.random.Generator
) -> Floats:
    """Alpha for `n_boot` resamples of the items, drawn with replacement.

    Drawing n items with replacement and counting how often each pattern comes up is a single
    multinomial draw over the patterns, so the items themselves are never materialised.
    """
    n_items = patterns.n_items
    shares = patterns.multiplicity / n_items
    width = max(len(shares), len(patterns.domain))
    block = max(1, min(n_boot, BLOCK_ELEMENTS // width))
    alphas = np.empty(n_boot)
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        weights = rng.multinomial(n_items, shares, size=size).astype(np.float64)
        alphas[start : start + size] = alphas_for_weights(
            patterns=patterns, weights=weights, level=level
        )
    return alphas
