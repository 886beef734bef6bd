"""The split report: what a lead reads before approving an export, kept in its manifest."""

from __future__ import annotations

from typing import Any

import numpy as np

from exports.splitting.assign import SPLITS, SplitAssignment, SplitRatios
from exports.splitting.grouping import LINK_REASONS, Grouping

LARGEST_GROUPS = 10


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def split_report_build(
    *, grouping: Grouping, assignment: SplitAssignment, ratios: SplitRatios
) -> dict[str, Any]:
    """Rows, items and groups per split, the distance of each split from its target ratio,
    rows per (source, language) stratum and split, the links that formed groups, and the
    largest groups (the ones most likely to pull a split off its target)."""
    split_of_item = assignment.split_of_items(grouping)
    weights = grouping.weights
    total = int(weights.sum())
    rows = np.bincount(split_of_item, weights=weights, minlength=len(SPLITS)).astype(np.int64)
    items = np.bincount(split_of_item, minlength=len(SPLITS))
    groups = np.bincount(assignment.split_of_group, minlength=len(SPLITS))
    splits = {}
    for index, name in enumerate(SPLITS):
        target = ratios.as_tuple()[index]
        actual = _ratio(int(rows[index]), total)
        splits[name] = {
            "rows": int(rows[index]),
            "items": int(items[index]),
            "groups": int(groups[index]),
            "target_ratio": target,
            "ratio": actual,
            "deviation": round(actual - target, 6),
        }
    cells = grouping.stratum_of_item * len(SPLITS) + split_of_item
    by_stratum = np.bincount(
        cells, weights=weights, minlength=len(grouping.strata) * len(SPLITS)
    ).reshape(-1, len(SPLITS))
    strata = [
        {"source": source, "language": language}
        | {name: int(by_stratum[index, column]) for column, name in enumerate(SPLITS)}
        for index, (source, language) in enumerate(grouping.strata)
    ]
    items_per_group = np.bincount(grouping.group_of_item, minlength=grouping.group_count)
    largest = sorted(
        range(grouping.group_count),
        key=lambda g: (-assignment.group_weights[g], -items_per_group[g], grouping.group_ids[g]),
    )[:LARGEST_GROUPS]
    reasons_of: dict[int, list[str]] = {group: [] for group in largest}
    for reason in LINK_REASONS:
        pairs = grouping.links[reason]
        linked = set(grouping.group_of_item[pairs[:, 0]].tolist()) if len(pairs) else set()
        for group in largest:
            if group in linked:
                reasons_of[group].append(reason)
    return {
        "rows": total,
        "items": len(grouping.item_ids),
        "groups": grouping.group_count,
        "groups_of_several_items": int((items_per_group > 1).sum()),
        "links": {reason: len(grouping.links[reason]) for reason in LINK_REASONS},
        "splits": splits,
        "strata": strata,
        "largest_groups": [
            {
                "group_id": grouping.group_ids[group],
                "items": int(items_per_group[group]),
                "rows": int(assignment.group_weights[group]),
                "split": SPLITS[assignment.split_of_group[group]],
                "linked_by": reasons_of[group],
            }
            for group in largest
        ],
    }
