"""What changed between two versions: rows per split, and items added, removed, moved or
changed (same split, different rows or scores).

Item ids come from the provenance files (JSON Lines when the export has them, else Parquet, a
batch at a time), read beside the data files, so a comparison costs a pass over four files per
split and a digest per item.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from core import storage
from exports.models import ExportVersion
from exports.splitting import SPLITS

LISTED = 50


# Provenance fields that describe an item's content or review; ``group_id`` and ``id`` are
# left out, since a group id changes whenever a related item comes or goes.
COMPARED = (
    "turn_index",
    "source",
    "language",
    "rubric_version",
    "scores",
    "agreement",
    "reviewers",
)


def _rows(version: ExportVersion, name: str, fmt: str) -> Iterator[dict[str, Any]]:
    exports = storage.exports_storage()
    key = f"{version.folder}/{name}"
    if fmt == "jsonl":
        stream = io.BufferedReader(storage.BlockStream(storage.blocks(exports, key)))
        lines = io.TextIOWrapper(stream, encoding="utf-8")
        for line in lines:
            yield json.loads(line)
        return
    # Parquet is read from its footer: a bucket's copy comes to this host's disk first.
    path = storage.local_path(exports, key)
    with tempfile.TemporaryDirectory() as scratch:
        if path is None:
            path = storage.download(exports, key, Path(scratch) / "file.parquet")
        for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
            yield from batch.to_pylist()


def _item_splits(version: ExportVersion) -> tuple[dict[str, str], dict[str, str]]:
    """Each item's split, and a digest of its rows (training columns and the compared
    provenance), so an item whose text or scores changed is told from an unchanged one."""
    entries = version.manifest.get("files", [])
    formats = {e["format"] for e in entries if e["role"] == "provenance"}
    wanted = "jsonl" if "jsonl" in formats else "parquet"
    data = {e["split"]: e["path"] for e in entries if e["role"] == "data" and e["format"] == wanted}
    split_of: dict[str, str] = {}
    digests: dict[str, Any] = {}
    for entry in entries:
        if entry["role"] != "provenance" or entry["format"] != wanted:
            continue
        split = entry["split"]
        provenance = _rows(version, entry["path"], wanted)
        rows = _rows(version, data[split], wanted) if split in data else iter(())
        for record in provenance:
            item_id = record["item_id"]
            split_of[item_id] = split
            row = next(rows, None)
            digest = digests.setdefault(item_id, hashlib.sha256())
            described = {key: record.get(key) for key in COMPARED}
            for part in (row, described):
                digest.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
    return split_of, {item_id: digest.hexdigest() for item_id, digest in digests.items()}


@dataclass(frozen=True)
class VersionDiff:
    old: ExportVersion
    new: ExportVersion
    counts: list[dict[str, Any]]
    added: list[str]
    removed: list[str]
    moved: list[tuple[str, str, str]]
    changed: list[str]
    added_total: int
    removed_total: int
    moved_total: int
    changed_total: int
    unchanged: int


def version_diff(*, old: ExportVersion, new: ExportVersion) -> VersionDiff:
    (before, old_digests), (after, new_digests) = _item_splits(old), _item_splits(new)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    moved = sorted(
        (item, before[item], after[item])
        for item in set(before) & set(after)
        if before[item] != after[item]
    )
    # An item in another split counts as moved, whatever else changed.
    changed = sorted(
        item
        for item in set(before) & set(after)
        if before[item] == after[item] and old_digests[item] != new_digests[item]
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
        changed=changed[:LISTED],
        added_total=len(added),
        removed_total=len(removed),
        moved_total=len(moved),
        changed_total=len(changed),
        unchanged=len(set(before) & set(after)) - len(moved) - len(changed),
    )
