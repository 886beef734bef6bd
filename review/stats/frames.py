"""Checking long-format rating tables and turning them into per-item value counts.

A rating table has one row per rating: `item`, `rater`, `value`, and optionally `criterion`
and `created_at`. A missing value (None, NaN) means "not applicable" and is dropped: alpha
treats it as a rating that was never given, which is what Krippendorff prescribes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from review.stats.results import LEVELS, Level

REQUIRED = ("item", "rater", "value")


def ratings_clean(
    *, ratings: pd.DataFrame, level: Level, keys: Sequence[str] = (), name: str = "ratings"
) -> pd.DataFrame:
    """Return the rows that carry a value, after checking columns, types and duplicates.

    Raises ValueError naming the table, row label and column of the first problem found.
    """
    if level not in LEVELS:
        raise ValueError(f"{name}: unknown level of measurement {level!r}; use one of {LEVELS}")
    wanted = (*REQUIRED, *keys)
    absent = [column for column in wanted if column not in ratings.columns]
    if absent:
        raise ValueError(f"{name}: missing column(s) {', '.join(absent)}")
    for column in ("item", "rater", *keys):
        blank = ratings[column].isna()
        if blank.any():
            raise ValueError(f"{name}: row {shown(ratings.index[blank.argmax()])} has no {column}")
    frame = ratings.loc[ratings["value"].notna()]
    if level != "nominal":
        frame = frame.assign(value=_numeric(frame["value"], name=name))
        if level == "ratio" and (frame["value"] < 0).any():
            row = frame.index[(frame["value"] < 0).to_numpy().argmax()]
            raise ValueError(f"{name}: row {shown(row)} value is negative; ratio values start at 0")
    twice = frame.duplicated(subset=["item", "rater", *keys], keep="first")
    if twice.any():
        row = frame.index[twice.to_numpy().argmax()]
        raise ValueError(
            f"{name}: row {shown(row)} repeats a value for the same item and rater "
            f"(item {shown(frame.at[row, 'item'])}, rater {shown(frame.at[row, 'rater'])})"
        )
    return frame


def _numeric(values: pd.Series, *, name: str) -> pd.Series:
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() | ~np.isfinite(converted.astype("float64"))
    if bad.any():
        row = values.index[bad.to_numpy().argmax()]
        raise ValueError(f"{name}: row {shown(row)} value {shown(values.at[row])} is not a number")
    return converted.astype("float64")


def shown(value: object) -> str:
    """repr() without numpy's type wrapper, so messages read "item 7" rather than np.int64(7)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


@dataclass(frozen=True)
class UnitCounts:
    """How many raters gave each value to each item, for the items with two or more ratings.

    `domain` holds the distinct values in ascending order (for non-numeric nominal data,
    their codes 0..V-1, which nominal alpha never compares).
    """

    counts: npt.NDArray[np.int64]  # items x values
    domain: npt.NDArray[np.float64]
    n_raters: int


def unit_counts(*, frame: pd.DataFrame) -> UnitCounts:
    """Value counts per pairable item of a cleaned single-criterion rating table."""
    item_codes, _ = pd.factorize(frame["item"])
    n_raters = int(frame["rater"].nunique())
    per_item = np.bincount(item_codes, minlength=int(item_codes.max(initial=-1)) + 1)
    keep = per_item[item_codes] >= 2
    if not keep.any():
        return UnitCounts(np.zeros((0, 0), np.int64), np.zeros(0), n_raters)
    values = frame["value"].to_numpy()[keep]
    value_codes, domain = _value_codes(values)
    pairable_items, unit_codes = np.unique(item_codes[keep], return_inverse=True)
    width = len(domain)
    flat = np.bincount(unit_codes * width + value_codes, minlength=len(pairable_items) * width)
    return UnitCounts(flat.reshape(len(pairable_items), width).astype(np.int64), domain, n_raters)


def _value_codes(
    values: npt.NDArray[np.generic],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    if values.dtype.kind == "f":
        domain, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64), domain.astype(np.float64)
    # Labels such as "A" or "tie": only nominal alpha accepts them, and it needs no order.
    codes, labels = pd.factorize(values, sort=False)
    return codes.astype(np.int64), np.arange(len(labels), dtype=np.float64)
