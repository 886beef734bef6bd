"""Reliability data for the agreement tests, as long tables of (item, rater, value)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 observers x 12 units,
# None where an observer gave no value. Published alphas: nominal 0.743, ordinal 0.815,
# interval 0.849, ratio 0.797, from 40 pairable values.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
KRIPPENDORFF_2011_ALPHA = {
    "nominal": 0.743,
    "ordinal": 0.815,
    "interval": 0.849,
    "ratio": 0.797,
}


def long_table(matrix: dict[str, list[object]]) -> pd.DataFrame:
    """Observers x units (as in the paper) to one row per rating, keeping the missing ones."""
    return pd.DataFrame(
        [
            {"item": f"u{unit + 1}", "rater": rater, "value": value}
            for rater, values in matrix.items()
            for unit, value in enumerate(values)
        ]
    )


def reliability_matrix(*, seed: int, scale: int = 7, missing: float = 0.3) -> np.ndarray:
    """Raters x units of integer scores with a shared signal, NaN where a rating is missing."""
    rng = np.random.default_rng(seed)
    raters, units = int(rng.integers(2, 6)), int(rng.integers(5, 80))
    signal = rng.integers(0, scale, size=units)
    noise = rng.integers(-1, 2, size=(raters, units))
    matrix = np.clip(signal + noise, 0, scale - 1).astype(np.float64)
    matrix[rng.random(matrix.shape) < missing] = np.nan
    return matrix


def matrix_to_long(matrix: np.ndarray) -> pd.DataFrame:
    raters, units = np.nonzero(~np.isnan(matrix))
    return pd.DataFrame({"item": units, "rater": raters, "value": matrix[raters, units]})
