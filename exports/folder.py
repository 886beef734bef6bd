"""Build an export folder from plain items: group, split, write every format, card, manifest.

Items are read once. While reading, each item's grouping keys and MinHash signature (a few
hundred bytes) stay in memory and its examples, already encoded as JSON lines, go to a spool
file beside the export; once groups and splits are known the spool is read back in order and
each line goes to its split's files. So the database is queried once, every example is encoded
once, and memory stays bounded however large the export.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from exports.card import card_render
from exports.items import (
    DpoPair,
    ExportItem,
    ExportKind,
    SftSession,
    item_check,
    item_examples,
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
from exports.writers.base import EncodedExample, example_encode, example_with_group

CARD_NAME = "README.md"
# While items are read, a thread fetches the next chunk from the database and mostly holds the
# GIL; every system call of the main thread releases it and may then wait a whole switch
# interval (5 ms) to get it back. Default 8 KiB buffers made that about 5 s of a 100,000-item
# export, spent in the spool's write; 4 MiB buffers make it a few dozen calls.
SPOOL_BUFFER = 1 << 22


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    manifest: dict[str, Any]
    files: list[WrittenFile]


def _expected_type(kind: ExportKind) -> type[ExportItem]:
    return SftSession if kind is ExportKind.SFT else DpoPair


def export_group(
    *, spec: ExportSpec, items: Iterable[ExportItem], spool: IO[bytes] | None = None
) -> tuple[Grouping, set[str]]:
    """Read the items once: their groups, the rubric versions they were reviewed with, and
    (when a spool is given) their examples as JSON lines, data then provenance."""
    builder = GroupingBuilder(near_duplicates=spec.near_duplicates)
    try:
        rubric_versions = _add_items(builder, spec=spec, items=items, spool=spool)
    except BaseException:
        builder.close()
        raise
    return builder.finish(), rubric_versions


def _add_items(
    builder: GroupingBuilder,
    *,
    spec: ExportSpec,
    items: Iterable[ExportItem],
    spool: IO[bytes] | None,
) -> set[str]:
    rubric_versions: set[str] = set()
    expected = _expected_type(spec.kind)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, expected):
            raise TypeError(
                f"item {number} ({item.item_id}): a {spec.kind.value} export takes "
                f"{expected.__name__} items, not {type(item).__name__}"
            )
        item_check(item=item)
        rows = 0
        for example in item_examples(
            item=item, kind=spec.kind, sft_mode=spec.sft_mode, sft_start=spec.sft_start
        ):
            rows += 1
            if spool is not None:
                encoded = example_encode(example)
                spool.write(encoded.data)
                spool.write(encoded.provenance)
        text = item_text(item=item)
        builder.add(
            item_id=item.item_id,
            source=item.source,
            language=item.language,
            weight=rows,
            text=text,
            session_id=item.session_id,
            # A pair's speech is its whole prompt, the text above. Sessions have none: a key
            # built from an opening line would join every session that starts with "Hi".
            speech=text if isinstance(item, DpoPair) else None,
            persona=item.persona,
            links=item.links,
        )
        if item.rubric_version:
            rubric_versions.add(item.rubric_version)
    return rubric_versions


def _route(
    *,
    spool: IO[bytes],
    grouping: Grouping,
    assignment: SplitAssignment,
    writers: list[ExportWriter],
) -> None:
    """Every spooled example to its group's split, in the order the items came."""
    split_of_item = assignment.split_of_items(grouping).tolist()
    group_of_item = grouping.group_of_item.tolist()
    lines = iter(spool)
    for index, rows in enumerate(grouping.weights.tolist()):
        split = SPLITS[split_of_item[index]]
        group_id = grouping.group_ids[group_of_item[index]]
        for _ in range(rows):
            example = example_with_group(EncodedExample(next(lines), next(lines)), group_id)
            for writer in writers:
                writer.write(split=split, example=example)


def _discard(folder: Path, *, existed: bool) -> None:
    """Remove what a failed build left, so it cannot pass for a finished export."""
    if not existed:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for path in folder.iterdir():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


# A large export allocates millions of short-lived objects (turns, messages, rows), and with the
# default threshold of 700 the cyclic collector ran so often, each time walking the objects of
# every module loaded, that it took about 2 s of a 100,000-session export's CPU. Nothing an
# export makes lives past its chunk, so collecting a hundred times less often costs no memory.
GC_THRESHOLD = 70_000


_collections_lock = threading.Lock()
_relaxed_builds = 0
_threshold_before: tuple[int, ...] = ()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The threshold is the process's: builds in several threads share one raise, and the
    last one out puts back what was there before the first."""
    global _relaxed_builds, _threshold_before
    with _collections_lock:
        if _relaxed_builds == 0:
            _threshold_before = gc.get_threshold()
            gc.set_threshold(max(_threshold_before[0], GC_THRESHOLD), *_threshold_before[1:])
        _relaxed_builds += 1
    try:
        yield
    finally:
        with _collections_lock:
            _relaxed_builds -= 1
            if _relaxed_builds == 0:
                gc.set_threshold(*_threshold_before)


def export_folder_write(
    *, spec: ExportSpec, items: Iterable[ExportItem], folder: Path, record: ExportRecord
) -> ExportResult:
    """Write a complete export into ``folder``, which must be empty or not exist yet.

    The same items in the same order, specification and record give byte-identical files; a
    failure leaves the folder as it was.
    """
    existed = folder.exists()
    if existed and any(folder.iterdir()):
        raise ValueError(f"{folder}: the export folder must be empty")
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with fewer_collections():
            return _build(spec=spec, items=items, folder=folder, record=record)
    except BaseException:
        _discard(folder, existed=existed)
        raise


def _build(
    *, spec: ExportSpec, items: Iterable[ExportItem], folder: Path, record: ExportRecord
) -> ExportResult:
    with tempfile.TemporaryFile(dir=folder, buffering=SPOOL_BUFFER) as spool:
        grouping, rubric_versions = export_group(spec=spec, items=items, spool=spool)
        if not grouping.weights.sum():
            raise ValueError("nothing to export: no item gives a training row")
        assignment = splits_assign(grouping=grouping, ratios=spec.ratios, seed=spec.seed)
        report = split_report_build(grouping=grouping, assignment=assignment, ratios=spec.ratios)
        spool.seek(0)
        writers = [
            writer_class(name)(folder=folder, kind=spec.kind, label_source=spec.label_source)
            for name in spec.formats
        ]
        try:
            _route(spool=spool, grouping=grouping, assignment=assignment, writers=writers)
        finally:
            files = [written for writer in writers for written in writer.close()]
    languages = sorted({language for _, language in grouping.strata if language})
    card = card_render(
        spec=spec,
        files=files,
        report=report,
        languages=languages,
        agreement=record.agreement,
        judge=record.judge,
    )
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
