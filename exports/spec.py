"""The specification of an export: everything that, with the data, decides its files."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from exports.items import ExportKind, SftMode, SftStart
from exports.splitting import NearDuplicateSettings, SplitRatios
from exports.writers import writer_class


@dataclass(frozen=True)
class ExportSpec:
    kind: ExportKind
    name: str
    ratios: SplitRatios = field(default_factory=SplitRatios)
    seed: int = 0
    sft_mode: SftMode = SftMode.SESSION
    sft_start: SftStart = SftStart.KEEP
    # The first format is the folder's default configuration for ``load_dataset``.
    formats: tuple[str, ...] = ("parquet", "jsonl")
    near_duplicates: NearDuplicateSettings = field(default_factory=NearDuplicateSettings)
    # The curation rules as the export service applied them, recorded verbatim.
    curation: Mapping[str, Any] = field(default_factory=dict)
    license: str = "other"

    def __post_init__(self) -> None:
        if not self.formats or len(set(self.formats)) != len(self.formats):
            raise ValueError("formats must name at least one format, each once")
        for name in self.formats:
            writer_class(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "name": self.name,
            "ratios": self.ratios.as_dict(),
            "seed": self.seed,
            "sft_mode": self.sft_mode.value if self.kind is ExportKind.SFT else None,
            "sft_start": self.sft_start.value if self.kind is ExportKind.SFT else None,
            "formats": list(self.formats),
            "near_duplicates": self.near_duplicates.as_dict(),
            "curation": dict(self.curation),
            "license": self.license,
        }


@dataclass(frozen=True)
class ExportRecord:
    """Facts about one build that are not in the data; the build time is passed in, never read
    from the clock, so tests (and audits) can rebuild the same manifest byte for byte."""

    built_at: datetime
    rapport_version: str
    # The leads who approved the exported items. Not who approves the export: a version is
    # approved after it is built, and the manifest (checksummed, immutable) cannot say so.
    item_approvers: tuple[str, ...] = ()
    # Agreement statistics at export time, as the agreement app reports them.
    agreement: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.built_at.tzinfo is None:
            raise ValueError("built_at must carry a time zone")
