"""Each reviewer against the others: agreement with their consensus and leniency or severity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from review.stats.frames import ratings_clean
from review.stats.reliability import alpha_of_clean
from review.stats.results import Level, ReviewerAgreement


def reviewer_agreement(*, ratings: pd.DataFrame, level: Level) -> list[ReviewerAgreement]:
    """One row per reviewer of one criterion, over the items someone else also rated.

    For numeric levels the consensus is the median of the other reviewers, "exact" means equal
    to it and "within one" at most one scale point away; `bias` compares with the others' mean.
    For nominal criteria the consensus is the others' most common value when it is unique, and
    only `exact` and `alpha` are given.
    """
    frame = ratings_clean(ratings=ratings, level=level)
    if level == "nominal":
        codes, _ = pd.factorize(frame["value"])
        frame = frame.assign(value=codes.astype(np.float64))
    wide = frame.pivot(index="item", columns="rater", values="value")
    matrix = wide.to_numpy(dtype=np.float64)
    rated = ~np.isnan(matrix)
    results = []
    for column, rater in enumerate(wide.columns):
        others = np.delete(matrix, column, axis=1)
        shared = rated[:, column] & (~np.isnan(others)).any(axis=1)
        own, others = matrix[shared, column], others[shared]
        if level == "nominal":
            consensus = _unique_mode(others)
        else:
            consensus = np.nanmedian(others, axis=1) if len(own) else own
        results.append(_compare(rater, own, consensus, others, level=level))
    return results


def _compare(
    rater: object, own: np.ndarray, consensus: np.ndarray, others: np.ndarray, *, level: Level
) -> ReviewerAgreement:
    usable = ~np.isnan(consensus)
    own_used, consensus_used = own[usable], consensus[usable]
    n_items = int(usable.sum())
    pairs = pd.DataFrame(
        {
            "item": np.tile(np.arange(n_items), 2),
            "rater": np.repeat([0, 1], n_items),
            "value": np.concatenate([own_used, consensus_used]),
        }
    )
    alpha = alpha_of_clean(
        frame=pairs, level=level, n_boot=0, seed=0, rng=np.random.default_rng(0), confidence=0.95
    ).alpha
    if not n_items:
        return ReviewerAgreement(rater, 0, None, None, None, None, None)
    exact = float(np.mean(own_used == consensus_used))
    if level == "nominal":
        return ReviewerAgreement(rater, n_items, exact, None, None, None, alpha)
    gaps = np.abs(own_used - consensus_used)
    return ReviewerAgreement(
        rater=rater,
        n_items=n_items,
        exact=exact,
        within_one=float(np.mean(gaps <= 1)),
        mean_abs_diff=float(gaps.mean()),
        bias=float(np.mean(own - np.nanmean(others, axis=1))),
        alpha=alpha,
    )


def _unique_mode(others: np.ndarray) -> np.ndarray:
    """The most common code per row, or NaN where two codes share the top count."""
    if not len(others):
        return np.zeros(0)
    width = int(np.nanmax(others)) + 1
    tallies = np.stack([(others == code).sum(axis=1) for code in range(width)], axis=1)
    top = tallies.max(axis=1)
    unique = (tallies == top[:, None]).sum(axis=1) == 1
    return np.where(unique, tallies.argmax(axis=1), np.nan)
