"""Build an export folder from plain items: group, split, write every format, card, manifest.

The items are read twice: once for the keys that grouping needs (ids, strata, grouping keys and
a MinHash signature, a few hundred bytes per item) and once more to write the files, so memory
stays bounded however large the export. The caller must therefore give a callable that yields
the same items in the same order each time (for the database, a query ordered by id).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exports.card import card_render
from exports.items import (
    DpoPair,
    ExportItem,
    ExportKind,
    SftSession,
    item_check,
    item_example_count,
    item_examples,
    item_speech,
    item_text,
)
from exports.manifest import manifest_build, manifest_files, manifest_write
from exports.spec import ExportRecord, ExportSpec
from exports.splitting import (
    SPLITS,
    Grouping,
    GroupingBuilder,
    SplitAssignment,
    split_report_build,
    splits_assign,
)
from exports.writers import ExportWriter, WrittenFile, writer_class
from exports.writers.base import example_encode

CARD_NAME = "README.md"
ItemSource = Callable[[], Iterable[ExportItem]]


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    manifest: dict[str, Any]
    files: list[WrittenFile]


def _expected_type(kind: ExportKind) -> type[ExportItem]:
    return SftSession if kind is ExportKind.SFT else DpoPair


def export_group(*, spec: ExportSpec, items: ItemSource) -> tuple[Grouping, set[str]]:
    """First pass: the groups, and the rubric versions the items were reviewed with."""
    builder = GroupingBuilder(near_duplicates=spec.near_duplicates)
    rubric_versions: set[str] = set()
    expected = _expected_type(spec.kind)
    for number, item in enumerate(items(), start=1):
        if not isinstance(item, expected):
            raise TypeError(
                f"item {number} ({item.item_id}): a {spec.kind.value} export takes "
                f"{expected.__name__} items, not {type(item).__name__}"
            )
        item_check(item=item)
        builder.add(
            item_id=item.item_id,
            source=item.source,
            language=item.language,
            weight=item_example_count(item=item, kind=spec.kind, sft_mode=spec.sft_mode),
            text=item_text(item=item),
            session_id=item.session_id,
            speech=item_speech(item=item),
            persona=item.persona,
        )
        if item.rubric_version:
            rubric_versions.add(item.rubric_version)
    return builder.finish(), rubric_versions


def _write(
    *,
    spec: ExportSpec,
    items: ItemSource,
    grouping: Grouping,
    assignment: SplitAssignment,
    writers: list[ExportWriter],
) -> None:
    """Second pass: every example to its group's split, in the order the items come."""
    split_of_item = assignment.split_of_items(grouping).tolist()
    group_of_item = grouping.group_of_item.tolist()
    count = 0
    for index, item in enumerate(items()):
        if index >= len(grouping.item_ids) or item.item_id != grouping.item_ids[index]:
            raise ValueError(f"item {index + 1}: the items changed between the two passes")
        split = SPLITS[split_of_item[index]]
        for example in item_examples(item=item, kind=spec.kind, sft_mode=spec.sft_mode):
            example.provenance["group_id"] = grouping.group_ids[group_of_item[index]]
            encoded = example_encode(example)
            for writer in writers:
                writer.write(split=split, example=encoded)
        count = index + 1
    if count != len(grouping.item_ids):
        raise ValueError("the items changed between the two passes")


def export_folder_write(
    *, spec: ExportSpec, items: ItemSource, folder: Path, record: ExportRecord
) -> ExportResult:
    """Write a complete export into ``folder``, which must be empty or not exist yet.

    The same items, specification and record give byte-identical files.
    """
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder}: the export folder must be empty")
    grouping, rubric_versions = export_group(spec=spec, items=items)
    if not grouping.weights.sum():
        raise ValueError("nothing to export: no item gives a training row")
    assignment = splits_assign(grouping=grouping, ratios=spec.ratios, seed=spec.seed)
    report = split_report_build(grouping=grouping, assignment=assignment, ratios=spec.ratios)
    folder.mkdir(parents=True, exist_ok=True)
    writers = [writer_class(name)(folder=folder, kind=spec.kind) for name in spec.formats]
    try:
        _write(spec=spec, items=items, grouping=grouping, assignment=assignment, writers=writers)
    except BaseException:
        # A half-written export must not look like a finished one.
        for writer in writers:
            for written in writer.close():
                (folder / written.path).unlink(missing_ok=True)
        raise
    files = [written for writer in writers for written in writer.close()]
    languages = sorted({language for _, language in grouping.strata if language})
    card = card_render(spec=spec, files=files, report=report, languages=languages)
    (folder / CARD_NAME).write_text(card, encoding="utf-8", newline="\n")
    manifest = manifest_build(
        spec=spec,
        record=record,
        report=report,
        rubric_versions=sorted(rubric_versions),
        files=manifest_files(folder=folder, files=files, extra=[CARD_NAME]),
    )
    manifest_write(folder=folder, manifest=manifest)
    return ExportResult(folder=folder, manifest=manifest, files=files)
