"""manifest.json: what an export is, how it was made, and the checksum of every file in it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from exports.spec import ExportRecord, ExportSpec
from exports.splitting import SPLITS
from exports.writers import WrittenFile

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "rapport-export/1"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_files(
    *, folder: Path, files: Sequence[WrittenFile], extra: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Every file of the export with its size and SHA-256, sorted by path."""
    entries: list[dict[str, Any]] = [
        {"path": f.path, "split": f.split, "role": f.role, "format": f.format, "rows": f.rows}
        for f in files
    ] + [
        {"path": path, "split": None, "role": "card", "format": None, "rows": None}
        for path in extra
    ]
    for entry in entries:
        path = folder / entry["path"]
        entry["bytes"] = path.stat().st_size
        entry["sha256"] = file_sha256(path)
    return sorted(entries, key=lambda e: e["path"])


def manifest_build(
    *,
    spec: ExportSpec,
    record: ExportRecord,
    report: dict[str, Any],
    rubric_versions: Sequence[str],
    files: list[dict[str, Any]],
) -> dict[str, Any]:
    built_at = record.built_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    manifest: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "name": spec.name,
        "kind": spec.kind.value,
        "rapport_version": record.rapport_version,
        "built_at": built_at,
        "specification": spec.as_dict(),
        "counts": {
            split: {key: report["splits"][split][key] for key in ("rows", "items", "groups")}
            for split in SPLITS
        },
        "rubric_versions": sorted(rubric_versions),
        "agreement": dict(record.agreement),
        "item_approvers": list(record.item_approvers),
    }
    if record.judge is not None:
        # Only exports with judge-accepted items have the key: the others stay as they were.
        manifest["judge"] = record.judge.as_dict()
    manifest["split_report"] = report
    manifest["files"] = files
    return manifest


def manifest_write(*, folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / MANIFEST_NAME
    text = json.dumps(manifest, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
