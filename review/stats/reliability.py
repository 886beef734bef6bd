"""Human-human reliability: alpha per criterion, for a composite total, and week by week."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from review.stats.coincidence import alpha_point, alphas_bootstrap, patterns_from_counts
from review.stats.frames import ratings_clean, unit_counts
from review.stats.results import AlphaResult, Level, Undefined, WeeklyAlpha

DEFAULT_BOOT = 1000


def alpha_estimate(
    *,
    ratings: pd.DataFrame,
    level: Level,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
) -> AlphaResult:
    """Krippendorff's alpha of one criterion with a seeded bootstrap percentile interval.

    `ratings` is long format (item, rater, value); a `criterion` column, if present, must hold
    a single criterion. `n_boot=0` skips the interval.
    """
    frame = ratings_clean(ratings=ratings, level=level)
    if "criterion" in frame.columns and frame["criterion"].nunique() > 1:
        raise ValueError("ratings: several criteria given; use alpha_by_criterion")
    return alpha_of_clean(
        frame=frame,
        level=level,
        n_boot=n_boot,
        seed=seed,
        rng=np.random.default_rng(seed),
        confidence=confidence,
    )


def alpha_by_criterion(
    *,
    ratings: pd.DataFrame,
    levels: Mapping[str, Level],
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, AlphaResult]:
    """Alpha for every criterion in `levels`, each at its own level of measurement.

    Each criterion draws from its own random stream, keyed by the seed and the criterion's
    name, so its interval does not change when other criteria are added or removed.
    """
    ratings_clean(ratings=ratings, level="nominal", keys=("criterion",))
    grouped = dict(tuple(ratings.groupby("criterion", sort=False)))
    results = {}
    for criterion, level in levels.items():
        frame = grouped.get(criterion, ratings.iloc[0:0])
        results[criterion] = alpha_of_clean(
            frame=ratings_clean(ratings=frame, level=level, name=f"ratings[{criterion}]"),
            level=level,
            n_boot=n_boot,
            seed=seed,
            rng=np.random.default_rng([seed, zlib.crc32(str(criterion).encode())]),
            confidence=confidence,
        )
    return results


def alpha_of_clean(
    *,
    frame: pd.DataFrame,
    level: Level,
    n_boot: int,
    seed: int,
    rng: np.random.Generator,
    confidence: float,
) -> AlphaResult:
    """Alpha and its interval for a single-criterion table that `ratings_clean` has checked."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie between 0 and 1, not {confidence!r}")
    if n_boot < 0:
        raise ValueError(f"n_boot must be 0 or more, not {n_boot!r}")
    units = unit_counts(frame=frame)
    n_items, n_pairable = units.counts.shape[0], int(units.counts.sum())
    result = AlphaResult(
        level=level,
        alpha=None,
        low=None,
        high=None,
        n_items=n_items,
        n_pairable=n_pairable,
        n_raters=units.n_raters,
        confidence=confidence,
        n_boot=n_boot,
        n_boot_undefined=0,
        seed=seed,
        n_rated_items=int(frame["item"].nunique()),
        n_ratings=len(frame),
    )
    if n_items == 0:
        return replace(result, reason=Undefined.TOO_FEW_RATINGS)
    point = alpha_point(counts=units.counts, domain=units.domain, level=level)
    if point is None:
        return replace(result, reason=Undefined.NO_VARIATION)
    # Alpha is at most 1 and, as reported here, at least -1: anything beyond is float
    # rounding (perfect interval agreement summed to 1.0000000000000002) or a resample too
    # degenerate to read.
    point = min(point, 1.0)
    if n_boot == 0:
        return replace(result, alpha=point)
    patterns = patterns_from_counts(counts=units.counts, domain=units.domain)
    alphas = alphas_bootstrap(patterns=patterns, level=level, n_boot=n_boot, rng=rng)
    defined = alphas[~np.isnan(alphas)]
    low = high = None
    if len(defined):
        tail = (1 - confidence) / 2
        low, high = (float(q) for q in np.clip(np.quantile(defined, [tail, 1 - tail]), -1.0, 1.0))
    return replace(result, alpha=point, low=low, high=high, n_boot_undefined=n_boot - len(defined))


def composite_build(
    *,
    ratings: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    total: Literal["sum", "mean"] = "sum",
) -> pd.DataFrame:
    """Each rater's total per item, as a long table (item, rater, value[, created_at]).

    "sum" forms a weighted sum only where the rater scored every weighted criterion (a total
    with a "not applicable" hole would not be comparable, so it is left missing); "mean" takes
    the weighted mean of the criteria the rater did score.
    """
    frame = ratings_clean(ratings=ratings, level="interval", keys=("criterion",))
    if weights is None:
        weights = dict.fromkeys(sorted(frame["criterion"].unique(), key=str), 1.0)
    if total not in ("sum", "mean"):
        raise ValueError(f"total must be 'sum' or 'mean', not {total!r}")
    frame = frame[frame["criterion"].isin(list(weights))]
    wide = frame.pivot(index=["item", "rater"], columns="criterion", values="value")
    wide = wide.reindex(columns=list(weights))
    factors = pd.Series(weights, dtype="float64")
    if total == "sum":
        values = (wide * factors).sum(axis=1, min_count=1).where(wide.notna().all(axis=1))
    else:
        present = wide.notna() * factors
        values = (wide * factors).sum(axis=1) / present.sum(axis=1).replace(0, np.nan)
    result = values.rename("value").reset_index()
    if "created_at" in frame.columns:
        latest = frame.groupby(["item", "rater"])["created_at"].max()
        result = result.merge(latest.reset_index(), on=["item", "rater"], how="left")
    return result


def alpha_by_week(
    *,
    ratings: pd.DataFrame,
    level: Level,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
) -> list[WeeklyAlpha]:
    """Alpha per ISO week, to show drift; an item belongs to the week of its last rating.

    The last rating is when the item's set of ratings became complete, so an item is never
    split across weeks. Naive timestamps are read as UTC.
    """
    frame = ratings_clean(ratings=ratings, level=level, keys=("created_at",))
    stamps = pd.to_datetime(frame["created_at"], utc=True)
    last = stamps.groupby(frame["item"]).transform("max")
    calendar = last.dt.isocalendar()
    weeks = calendar["year"].astype(str) + "-W" + calendar["week"].astype(str).str.zfill(2)
    return [
        WeeklyAlpha(
            week=str(week),
            result=alpha_of_clean(
                frame=frame.loc[weeks == week],
                level=level,
                n_boot=n_boot,
                seed=seed,
                rng=np.random.default_rng([seed, zlib.crc32(str(week).encode())]),
                confidence=confidence,
            ),
        )
        for week in sorted(weeks.unique())
    ]
