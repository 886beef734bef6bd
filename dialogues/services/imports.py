"""Importing sessions: an upload becomes an ImportBatch, and a Job reads it into the database.

The web page, the API and ``manage.py import_sessions`` all come here. The files are stored
in the "uploads" storage under imports/<batch id>/upload/ (a local folder, or a bucket that
every host reaches: core.storage) so that any worker can read them; the job body
(:func:`import_batch_run`) reads every file in one transaction, so a batch is imported whole or
not at all, and a crash or a killed worker leaves nothing behind but a batch that can be retried.

Memory stays bounded: importers yield one record at a time and rows are written in chunks.
"""

from __future__ import annotations

import gc
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import AuditAction, audit_record
from core.locks import project_work_lock
from dialogues.importers import (
    importer_formats,
)
from dialogues.importers.reading import stream_forget, stream_position
from dialogues.models import (
    ImportBatch,
)
from dialogues.services.import_batches import (
    ImportRequestError,
    Upload,
    batch_dir,
    import_batch_create,
    import_batch_requeue,
    import_batch_settle,
    import_batch_start,
    upload_prefix,
)
from dialogues.services.import_files import FETCHED, SourceFile, _records, _source_files
from dialogues.services.import_outcome import ImportOutcome, outcome_of
from dialogues.services.import_uploads import (
    _stored_copies_scrub,
    orphan_uploads_purge,
    rejected_uploads_purge,
)
from dialogues.services.import_validation import InvalidRecord, session_prepare
from dialogues.services.import_writer import (
    PreparedSession,
    SessionWriter,
    session_screen,
)
from dialogues.services.search import search_documents_build
from dialogues.services.write_behind import WriteBehind

# Sessions written per round trip: large enough for COPY to pay off, small enough that the
# rows of one chunk (with 20-turn sessions, about 40,000 turns) stay a few megabytes.
CHUNK_SESSIONS = 2000


class Progress(Protocol):
    def __call__(
        self,
        done: int | None = None,
        *,
        total: int | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> None: ...


def _no_progress(
    done: int | None = None,
    *,
    total: int | None = None,
    message: str | None = None,
    force: bool = False,
) -> None:
    return None


class _Rejected(Exception):
    """Raised inside the import transaction to roll it back when invalid records reject it."""


def import_batch_run(
    *, batch_id: int, progress: Progress = _no_progress, build_search: bool = True
) -> ImportOutcome:
    """Read the batch's files into sessions, all at once or not at all; then their search.

    The sessions are committed, screened and de-duplicated, first; their search documents are
    built after that commit (``build_search``; the bench times the two apart), and until then
    the session list searches them unindexed and says so.

    Idempotent: a batch that already ended (imported or rejected) reports what it did and
    writes nothing but search documents it lacks; one that crashed or was killed midway left
    no rows and runs again.
    """
    batch = ImportBatch.objects.select_related("project").get(pk=batch_id)
    if batch.status in (ImportBatch.Status.IMPORTED, ImportBatch.Status.REJECTED):
        if build_search and batch.status == ImportBatch.Status.IMPORTED:
            search_documents_build(batch_id=batch.pk)
        return outcome_of(batch)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING, failure="")
    outcome = ImportOutcome(batch_id=batch.pk, status=ImportBatch.Status.RUNNING)
    progress(0, total=None, message=_("Reading the files"), force=True)
    try:
        with transaction.atomic():
            # One import per project at a time: two batches with the same content must not both
            # see it as new. Not a lock on the project's row: reviewers' writes need that row.
            project_work_lock(project_id=batch.project_id, purpose="dialogues.import")
            outcome = _read_and_write(batch, outcome, progress)
            # Skipping invalid records is no success when nothing else was in the files.
            nothing_valid = not (outcome.sessions_created or outcome.duplicates)
            if outcome.invalid and (not batch.skip_invalid or nothing_valid):
                raise _Rejected
            outcome.status = ImportBatch.Status.IMPORTED
            _batch_save(batch, outcome)
            audit_record(
                actor=batch.created_by,
                action=AuditAction.SESSIONS_IMPORT,
                obj=batch,
                project=batch.project,
                after=outcome.as_result(),
            )
    except _Rejected:
        outcome.status = ImportBatch.Status.REJECTED
        outcome.sessions_created = outcome.turns_created = 0
        outcome.candidates_created = outcome.flags_created = 0
        # Reading stopped writing at the first invalid record, so no duplicate count is sure.
        outcome.duplicates = 0
        outcome.duplicate_report = []
        _batch_save(batch, outcome)
    finally:
        # Expanded archives go whatever happened, a crash too: a retry expands them again from
        # the upload, and a bomb refused midway must not stay on the disk.
        shutil.rmtree(batch_dir(batch) / "expanded", ignore_errors=True)
        try:
            _stored_copies_scrub(batch, outcome)
        finally:
            # A bucket's upload copied to this worker: the bucket keeps the stored copy.
            shutil.rmtree(batch_dir(batch) / FETCHED, ignore_errors=True)
    if build_search and outcome.status == ImportBatch.Status.IMPORTED:
        progress(None, message=_("Building the search index"), force=True)
        search_documents_build(batch_id=batch.pk)
    # Done stays where the byte meter left it: the whole size once every file was read.
    progress(None, message=_("Done"), force=True)
    return outcome


def _batch_save(batch: ImportBatch, outcome: ImportOutcome) -> None:
    formats = sorted(outcome.formats)
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=outcome.status,
        finished_at=timezone.now(),
        format=batch.format if batch.format_override else (",".join(formats)[:40] or ""),
        records_total=outcome.records_total,
        sessions_created=outcome.sessions_created,
        duplicates=outcome.duplicates,
        invalid=outcome.invalid,
        candidates_created=outcome.candidates_created,
        flags_created=outcome.flags_created,
        errors=outcome.errors,
        duplicate_report=outcome.duplicate_report,
        left_out=outcome.left_out,
    )


class _ByteMeter:
    """Progress as bytes read of the total size of the files, so the bar moves within a file.

    Counting records first would mean reading everything twice; the byte position costs
    nothing. Parquet reports no position, so a Parquet file moves the bar when it is done.
    """

    INTERVAL = 0.1  # seconds between reports; the job row and the terminal throttle again

    def __init__(self, progress: Progress, sources: list[SourceFile]) -> None:
        self.progress = progress
        self.sizes = [_size(source.path) for source in sources]
        self.total = sum(self.sizes)
        self.index = -1
        self.before = 0  # bytes of the files already read
        self.message = ""
        self.last = 0.0

    def file_start(self, message: str) -> None:
        stream_forget()
        self.index += 1
        self.message = message
        self.progress(self.before, total=self.total, message=message, force=True)

    def record(self, records: int) -> None:
        now = time.monotonic()
        if now - self.last < self.INTERVAL:
            return
        self.last = now
        size = self.sizes[self.index]
        position = min(stream_position() or 0, size)
        self.progress(
            self.before + position,
            total=self.total,
            message=ngettext(
                "%(reading)s: %(count)d record", "%(reading)s: %(count)d records", records
            )
            % {"reading": self.message, "count": records},
        )

    def file_end(self) -> None:
        self.before += self.sizes[self.index]
        stream_forget()
        self.progress(self.before, total=self.total)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_and_write(
    batch: ImportBatch, outcome: ImportOutcome, progress: Progress
) -> ImportOutcome:
    writer = SessionWriter(batch, outcome)
    sources = _source_files(batch, outcome)
    meter = _ByteMeter(progress, sources)
    with _fewer_collections(), WriteBehind() as writes:
        _read_into(batch, outcome, writer, writes, sources, meter)
    return outcome


# Allocations between two collections of the youngest generation while an import reads.
YOUNG_COLLECTION_EVERY = 50_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cycle collector less often while an import reads its files.

    Reading allocates millions of small objects (records, turns, rows) that hold no cycles and
    live until their chunk is written. At Python's default, a collection every 700 allocations,
    the collector walked them, and everything else the process holds, over and over: more than
    half of the reading's CPU. Memory stays bounded by the chunk, as before.
    """
    young, *older = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_COLLECTION_EVERY), *older)
    try:
        yield
    finally:
        gc.set_threshold(young, *older)


def _read_into(
    batch: ImportBatch,
    outcome: ImportOutcome,
    writer: SessionWriter,
    writes: WriteBehind,
    sources: list[SourceFile],
    meter: _ByteMeter,
) -> None:
    chunk: list[PreparedSession] = []
    for number, source in enumerate(sources, start=1):
        meter.file_start(
            _("Reading %(file)s (file %(number)d of %(count)d)")
            % {"file": source.display_name, "number": number, "count": len(sources)}
        )
        for format_name, record in _records(source, batch, outcome):
            outcome.records_total += 1
            meter.record(outcome.records_total)
            try:
                prepared = session_prepare(record, source_format=format_name)
            except InvalidRecord as error:
                location = record.location
                outcome.error(
                    file=location.file,
                    record=location.record,
                    line=location.line,
                    field=error.field,
                    message=error.message,
                )
                continue
            for kind, count in record.left_out.items():
                outcome.leave_out(kind, count)
            if outcome.invalid and not batch.skip_invalid:
                # The batch will be rejected: keep reading to report every problem, write nothing.
                continue
            session_screen(prepared)
            chunk.append(prepared)
            if len(chunk) >= CHUNK_SESSIONS:
                writes.submit(partial(writer.write, chunk))
                chunk = []
        meter.file_end()
    if chunk and not (outcome.invalid and not batch.skip_invalid):
        writes.submit(partial(writer.write, chunk))


__all__ = [
    "ImportOutcome",
    "ImportRequestError",
    "Upload",
    "batch_dir",
    "import_batch_create",
    "import_batch_requeue",
    "import_batch_run",
    "import_batch_settle",
    "import_batch_start",
    "importer_formats",
    "orphan_uploads_purge",
    "outcome_of",
    "rejected_uploads_purge",
    "session_prepare",
    "upload_prefix",
]
