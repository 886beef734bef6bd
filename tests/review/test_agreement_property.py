"""Rapport's alpha, interval bounds and counts against the krippendorff package, on random data.

Each example is a raters x units matrix with missing ratings. The point estimate and the counts
are checked directly; the interval is rebuilt from the same seeded draws of items, each resample
spelled out as value counts and handed to the package, then cut at the same percentiles.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.stats import LEVELS, Undefined, alpha_estimate
from review.stats.coincidence import patterns_from_counts
from review.stats.frames import ratings_clean, unit_counts
from tests.review.agreement_data import matrix_to_long

N_BOOT = 30


@st.composite
def rating_matrices(draw: st.DrawFn) -> np.ndarray:
    raters = draw(st.integers(2, 5))
    units = draw(st.integers(2, 30))
    scale = draw(st.integers(2, 7))
    cells = draw(
        st.lists(
            st.one_of(st.none(), st.integers(1, scale)),
            min_size=raters * units,
            max_size=raters * units,
        )
    )
    values = [np.nan if cell is None else float(cell) for cell in cells]
    return np.array(values, dtype=np.float64).reshape(raters, units)


def _package_alpha(counts: np.ndarray, domain: np.ndarray, level: str) -> float | None:
    used = counts.sum(axis=0) > 0
    if used.sum() < 2:
        return None  # the package refuses a single value; Rapport calls it "no variation"
    return float(
        krippendorff.alpha(
            value_counts=counts[:, used], value_domain=domain[used], level_of_measurement=level
        )
    )


@pytest.mark.parametrize("level", LEVELS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix=rating_matrices(), seed=st.integers(0, 2**16))
def test_alpha_interval_and_counts_equal_the_krippendorff_package(level, matrix, seed):
    result = alpha_estimate(ratings=matrix_to_long(matrix), level=level, n_boot=N_BOOT, seed=seed)

    rated = ~np.isnan(matrix)
    pairable = rated.sum(axis=0) >= 2
    assert result.n_items == int(pairable.sum())
    assert result.n_pairable == int(rated[:, pairable].sum())
    assert result.n_raters == int(rated.any(axis=1).sum())
    assert result.n_ratings == int(rated.sum())
    assert result.n_boot == N_BOOT
    if not pairable.any():
        assert result.reason == Undefined.TOO_FEW_RATINGS
        return
    if len(np.unique(matrix[:, pairable][rated[:, pairable]])) < 2:
        assert result.alpha is None
        assert result.reason == Undefined.NO_VARIATION
        return
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    assert result.alpha == pytest.approx(min(expected, 1.0), abs=1e-9, rel=0)

    units = unit_counts(frame=ratings_clean(ratings=matrix_to_long(matrix), level=level))
    patterns = patterns_from_counts(counts=units.counts, domain=units.domain)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(patterns.n_items, patterns.multiplicity / patterns.n_items, size=N_BOOT)
    resampled = [
        _package_alpha(np.repeat(patterns.counts, row, axis=0), patterns.domain, level)
        for row in draws
    ]
    defined = np.array([alpha for alpha in resampled if alpha is not None and np.isfinite(alpha)])
    assert result.n_boot_undefined == N_BOOT - len(defined)
    if not len(defined):
        assert result.low is None
        assert result.high is None
        return
    low, high = np.clip(np.quantile(defined, [0.025, 0.975]), -1.0, 1.0)
    assert result.low == pytest.approx(low, abs=1e-9, rel=0)
    assert result.high == pytest.approx(high, abs=1e-9, rel=0)
    assert -1 <= result.low <= result.high <= 1
