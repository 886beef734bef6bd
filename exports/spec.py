"""The specification of an export: everything that, with the data, decides its files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    # Judge-accepted items are taken, so every provenance row says whose label it is. Recorded
    # in the manifest through ``curation`` (its ``judge_items``), not as a key of its own.
    label_source: bool = False

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


@dataclass
class JudgeSource:
    """The judge whose answers labelled some of an export's items, for the manifest and card.

    ``items`` is counted while the items are read, so it is complete once the files are
    written, which is when the manifest and the card are made.
    """

    configuration: Mapping[str, Any]
    prompt_version: str
    prompt_language: str
    prompt_hash: str
    settings_fingerprint: str
    runs: Sequence[Mapping[str, Any]]
    max_uncertainty: str
    items: int = 0

    def as_dict(self) -> dict[str, Any]:
        examples = sorted(
            {example for run in self.runs for example in run.get("examples", ())},
            key=lambda text: (len(text), text),
        )
        return {
            "configuration": dict(self.configuration),
            "prompt_version": self.prompt_version,
            "prompt_language": self.prompt_language,
            "prompt_hash": self.prompt_hash,
            "settings_fingerprint": self.settings_fingerprint,
            "runs": [dict(run) for run in self.runs],
            "examples": examples,
            "max_uncertainty": self.max_uncertainty,
            "items": self.items,
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
    # The judge of judge-accepted items; None for an export of human-reviewed items only,
    # whose manifest then has no ``judge`` key at all.
    judge: JudgeSource | None = None

    def __post_init__(self) -> None:
        if self.built_at.tzinfo is None:
            raise ValueError("built_at must carry a time zone")
