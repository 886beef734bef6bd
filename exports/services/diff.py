"""What changed between two versions: rows per split, and items added, removed or moved.

Item ids come from the provenance files (JSON Lines when the export has them, else Parquet,
reading one column), so a comparison costs a pass over two files per split and a set of ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq

from exports.models import ExportVersion
from exports.splitting import SPLITS

LISTED = 50


def _item_splits(version: ExportVersion) -> dict[str, str]:
    files = [e for e in version.manifest.get("files", []) if e["role"] == "provenance"]
    formats = {e["format"] for e in files}
    wanted = "jsonl" if "jsonl" in formats else "parquet"
    split_of: dict[str, str] = {}
    for entry in files:
        if entry["format"] != wanted:
            continue
        path = version.path / entry["path"]
        if wanted == "jsonl":
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    split_of[json.loads(line)["item_id"]] = entry["split"]
        else:
            for item_id in pq.read_table(path, columns=["item_id"]).column("item_id").to_pylist():
                split_of[item_id] = entry["split"]
    return split_of


@dataclass(frozen=True)
class VersionDiff:
    old: ExportVersion
    new: ExportVersion
    counts: list[dict[str, Any]]
    added: list[str]
    removed: list[str]
    moved: list[tuple[str, str, str]]
    added_total: int
    removed_total: int
    moved_total: int
    unchanged: int


def version_diff(*, old: ExportVersion, new: ExportVersion) -> VersionDiff:
    before, after = _item_splits(old), _item_splits(new)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    moved = sorted(
        (item, before[item], after[item])
        for item in set(before) & set(after)
        if before[item] != after[item]
    )
    counts = []
    for split in SPLITS:
        old_rows = old.counts.get(split, {}).get("rows", 0)
        new_rows = new.counts.get(split, {}).get("rows", 0)
        counts.append(
            {"split": split, "old": old_rows, "new": new_rows, "change": new_rows - old_rows}
        )
    return VersionDiff(
        old=old,
        new=new,
        counts=counts,
        added=added[:LISTED],
        removed=removed[:LISTED],
        moved=moved[:LISTED],
        added_total=len(added),
        removed_total=len(removed),
        moved_total=len(moved),
        unchanged=len(set(before) & set(after)) - len(moved),
    )
