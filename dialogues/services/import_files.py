"""The files of a batch as the import reads them: archives expanded, a bucket's upload fetched,
each file checked and read by its format into records.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from core import storage
from dialogues.importers import (
    FormatError,
    RecordIssue,
    SessionRecord,
    UnknownFormat,
    format_detect,
    importer_for,
)
from dialogues.models import (
    ImportBatch,
)
from dialogues.services.archives import ArchiveError, archive_expand, is_archive
from dialogues.services.import_batches import batch_dir, upload_prefix
from dialogues.services.import_outcome import ImportOutcome

# Read as binary: no UTF-8 check, no text head.
BINARY_EXTENSIONS = (".parquet",)
# Under the batch's local folder: a bucket's upload copied to the worker, for the run only.
FETCHED = "fetched"


def _check_text_file(path: Path, display_name: str) -> str | None:
    """Why the file cannot be read as UTF-8 text, naming the line, or None when it can."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    visible = False
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as error:
                good = block[: error.start]
                line += good.count(b"\n")
                return _(
                    "%(file)s: line %(line)d: bytes that are not UTF-8 (0x%(byte)s); "
                    "save the file as UTF-8 and import it again"
                ) % {
                    "file": display_name,
                    "line": line,
                    "byte": block[error.start : error.end].hex(),
                }
            line += text.count("\n")
            if not visible and text.strip("\ufeff \t\r\n"):
                visible = True
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return _("%(file)s: the file ends in the middle of a UTF-8 character") % {
                "file": display_name
            }
    if not visible:
        return _("%(file)s: the file is empty") % {"file": display_name}
    return None


@dataclass(slots=True)
class SourceFile:
    path: Path
    display_name: str
    # The uploaded file it is, or came from: the name in batch.files.
    entry: str


def _source_files(batch: ImportBatch, outcome: ImportOutcome) -> list[SourceFile]:
    """The batch's files with archives expanded, in a stable order."""
    root = batch_dir(batch)
    expanded = root / "expanded"
    fetched = root / FETCHED
    shutil.rmtree(expanded, ignore_errors=True)
    shutil.rmtree(fetched, ignore_errors=True)
    uploads_storage = storage.uploads_storage()
    prefix = upload_prefix(batch)
    sources: list[SourceFile] = []
    for entry in batch.files:
        key = f"{prefix}/{entry['name']}"
        if not uploads_storage.exists(key):
            outcome.file_error(entry["name"], _("the uploaded file is no longer on the server"))
            continue
        # A local upload is read where it is; one in a bucket is copied to this worker's disk
        # first, streamed, since archives and Parquet files are read by seeking.
        path = storage.local_path(uploads_storage, key) or storage.download(
            uploads_storage, key, fetched / entry["name"]
        )
        if is_archive(entry["name"]):
            try:
                contents = archive_expand(path=path, target=expanded / entry["name"])
            except ArchiveError as error:
                outcome.file_error(entry["name"], str(error))
                continue
            inner = contents.files
            if contents.unsafe:
                outcome.leave_out("archive_members_unsafe", contents.unsafe)
            if not inner:
                outcome.file_error(entry["name"], _("the archive holds no files"))
            sources.extend(
                SourceFile(
                    expanded / entry["name"] / name, f"{entry['name']}/{name}", entry["name"]
                )
                for name in inner
            )
        else:
            sources.append(SourceFile(path, entry["name"], entry["name"]))
    return sources


def _records(
    source: SourceFile, batch: ImportBatch, outcome: ImportOutcome
) -> Iterator[tuple[str, SessionRecord]]:
    """The file's readable records; everything wrong with it goes to the outcome's errors."""
    name = source.display_name
    if source.path.suffix.lower() not in BINARY_EXTENSIONS:
        problem = _check_text_file(source.path, name)
        if problem:
            outcome.file_error(name, problem)
            return
    elif source.path.stat().st_size == 0:
        outcome.file_error(name, _("%(file)s: the file is empty") % {"file": name})
        return
    mismatch = ""
    if batch.format_override:
        importer = importer_for(batch.format)
        if not type(importer).sniff(path=source.path, head=_head(source.path)):
            # Still read it: the importer names the missing field or column, which says more.
            # The hint is added if nothing in the file could be read as the chosen format.
            try:
                seen = format_detect(path=source.path, display_name=name)
            except UnknownFormat:
                seen = _("none recognised")
            mismatch = _(
                "%(file)s: does not look like %(label)s (the format chosen); detected: %(seen)s"
            ) % {"file": name, "label": type(importer).label, "seen": seen}
    else:
        try:
            importer = importer_for(format_detect(path=source.path, display_name=name))
        except UnknownFormat as error:
            outcome.file_error(name, str(error))
            return
    format_name = type(importer).format
    outcome.formats.add(format_name)
    if type(importer).personal_columns:
        outcome.personal[source.entry] = type(importer)
    read = problems = 0
    try:
        for item in importer.read(path=source.path, display_name=name):
            if isinstance(item, RecordIssue):
                outcome.records_total += 1
                outcome.issue(item)
                problems += 1
            else:
                read += 1
                yield format_name, item
    except FormatError as error:
        outcome.file_error(name, str(error))
        problems += 1
    except UnicodeDecodeError as error:
        outcome.file_error(
            name, _("%(file)s: not UTF-8 text (%(error)s)") % {"file": name, "error": error.reason}
        )
        problems += 1
    if mismatch and not read:
        if problems:
            # The file's own errors are already counted; this only explains them.
            outcome.errors.insert(
                0,
                {
                    "file": name,
                    "line": None,
                    "record": None,
                    "field": "(file)",
                    "message": mismatch,
                },
            )
        else:
            outcome.file_error(name, mismatch)


def _head(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(64 * 1024).decode("utf-8-sig", errors="replace")
