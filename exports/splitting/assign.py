"""Whole groups assigned to train, validation and test, seeded and stratified."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from exports.splitting.grouping import Grouping

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitRatios:
    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1

    def __post_init__(self) -> None:
        values = self.as_tuple()
        if any(not math.isfinite(v) or v < 0 for v in values):
            raise ValueError("split ratios must be finite and not negative")
        if self.train <= 0:
            raise ValueError("the train ratio must be positive")
        if abs(sum(values) - 1) > 1e-6:
            raise ValueError(f"split ratios must add up to 1, not {sum(values):g}")

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.train, self.validation, self.test)

    def as_dict(self) -> dict[str, float]:
        return dict(zip(SPLITS, self.as_tuple(), strict=True))


@dataclass(frozen=True)
class SplitAssignment:
    split_of_group: np.ndarray  # index into SPLITS
    stratum_of_group: np.ndarray  # the stratum whose targets the group counted against
    group_weights: np.ndarray

    def split_of_items(self, grouping: Grouping) -> np.ndarray:
        return self.split_of_group[grouping.group_of_item]


def _tie_break(seed: int, group_id: str) -> int:
    digest = hashlib.blake2b(f"{seed}\x00{group_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _group_strata(grouping: Grouping, group_count: int) -> np.ndarray:
    """Each group's stratum: the one holding most of its rows (then most items, then first)."""
    strata = max(len(grouping.strata), 1)
    cell = grouping.group_of_item * strata + grouping.stratum_of_item
    rows = np.bincount(cell, weights=grouping.weights, minlength=group_count * strata)
    items = np.bincount(cell, minlength=group_count * strata)
    # Rows dominate; the item count only decides among strata with equal rows.
    score = rows.astype(np.int64) * (len(grouping.item_ids) + 1) + items
    return np.asarray(score.reshape(group_count, strata).argmax(axis=1))


def splits_assign(*, grouping: Grouping, ratios: SplitRatios, seed: int) -> SplitAssignment:
    """Assign every group to one split.

    Stratum by stratum (largest first), groups go largest first, a seeded hash of their id
    breaking ties, to the split furthest below its target share of that stratum's rows; ties
    between splits go to the one furthest below its share of all rows, so small strata, which
    cannot each fill every split, still add up to the overall ratios. Splits with a zero ratio
    get nothing.
    """
    group_count = grouping.group_count
    weights = np.bincount(grouping.group_of_item, weights=grouping.weights, minlength=group_count)
    weights = weights.astype(np.int64)
    stratum_of_group = _group_strata(grouping, group_count)
    shares = ratios.as_tuple()
    open_splits = [index for index, share in enumerate(shares) if share > 0]
    total = int(weights.sum())
    overall = [0] * len(SPLITS)
    split_of_group = np.zeros(group_count, dtype=np.int8)
    stratum_rows = np.bincount(stratum_of_group, weights=weights, minlength=len(grouping.strata))
    for stratum in sorted(range(len(grouping.strata)), key=lambda s: (-stratum_rows[s], s)):
        members = np.flatnonzero(stratum_of_group == stratum).tolist()
        members.sort(key=lambda g: (-weights[g], _tie_break(seed, grouping.group_ids[g])))
        in_stratum = [0] * len(SPLITS)
        for group in members:
            split = max(
                open_splits,
                key=lambda s: (
                    shares[s] * stratum_rows[stratum] - in_stratum[s],
                    shares[s] * total - overall[s],
                    -s,
                ),
            )
            split_of_group[group] = split
            in_stratum[split] += int(weights[group])
            overall[split] += int(weights[group])
    return SplitAssignment(
        split_of_group=split_of_group, stratum_of_group=stratum_of_group, group_weights=weights
    )
