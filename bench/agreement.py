"""Time alpha plus a 1,000-resample bootstrap for 10,000 items x 3 reviewers x 11 criteria.

Run from the repository root:  .venv/bin/python bench/agreement.py
It prints the time and peak memory and exits with status 1 when over the 5 second target.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from review.stats import (
    LEVELS,
    AlphaResult,
    Level,
    alpha_by_criterion,
    alpha_estimate,
    composite_build,
)

TARGET_SECONDS = 5.0


def synthetic_ratings(*, items: int, raters: int, criteria: int, seed: int) -> pd.DataFrame:
    """CTRS-like 0-6 scores: item quality plus a per-rater offset plus noise, 3% not applicable."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(3.0, 1.2, size=(items, 1, criteria))
    offset = rng.normal(0.0, 0.4, size=(1, raters, criteria))
    noise = rng.normal(0.0, 0.8, size=(items, raters, criteria))
    scores = np.clip(np.rint(quality + offset + noise), 0, 6)
    scores[rng.random(scores.shape) < 0.03] = np.nan
    item, rater, criterion = np.meshgrid(
        np.arange(items), np.arange(raters), np.arange(criteria), indexing="ij"
    )
    return pd.DataFrame(
        {
            "item": item.ravel(),
            "rater": rater.ravel(),
            "criterion": [f"c{code:02d}" for code in criterion.ravel()],
            "value": scores.ravel(),
        }
    )


def _measure(work: Callable[[], Any]) -> tuple[Any, float, int]:
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--raters", type=int, default=3)
    parser.add_argument("--criteria", type=int, default=11)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--level", choices=LEVELS, default="ordinal")
    parser.add_argument("--target", type=float, default=TARGET_SECONDS, help="seconds")
    args = parser.parse_args()

    ratings = synthetic_ratings(
        items=args.items, raters=args.raters, criteria=args.criteria, seed=7
    )
    levels: dict[str, Level] = dict.fromkeys(sorted(ratings["criterion"].unique()), args.level)

    def per_criterion() -> dict[str, AlphaResult]:
        return alpha_by_criterion(ratings=ratings, levels=levels, n_boot=args.boot, seed=1)

    def composite() -> AlphaResult:
        totals = composite_build(ratings=ratings)
        return alpha_estimate(ratings=totals, level="interval", n_boot=args.boot, seed=1)

    # Timed without tracing (the target), then once more under tracemalloc for peak memory,
    # which numpy reports its buffers to.
    results, elapsed, peak = _measure(per_criterion)
    total, composite_elapsed, composite_peak = _measure(composite)

    for criterion, result in results.items():
        print(
            f"{criterion}: alpha {result.alpha:.3f} [{result.low:.3f}, {result.high:.3f}] "
            f"items {result.n_items} values {result.n_pairable}"
        )
    print(
        f"composite total (interval): alpha {total.alpha:.3f} [{total.low:.3f}, {total.high:.3f}]"
        f" items {total.n_items}"
    )
    print(
        f"{len(ratings):,} ratings; {args.criteria} {args.level} criteria x {args.boot} resamples: "
        f"{elapsed:.2f} s, peak traced memory {peak / 2**20:.0f} MiB"
    )
    print(
        f"composite total with {args.boot} resamples: {composite_elapsed:.2f} s, "
        f"peak traced memory {composite_peak / 2**20:.0f} MiB"
    )
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if elapsed > args.target:
        print(f"over the {args.target:g} s target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
