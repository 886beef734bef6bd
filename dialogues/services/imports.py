"""Importing sessions: an upload becomes an ImportBatch, and a Job reads it into the database.

The web page, the API and ``manage.py import_sessions`` all come here. The files are stored
in the "uploads" storage under imports/<batch id>/upload/ (a local folder, or a bucket that
every host reaches: core.storage) so that any worker can read them; the job body
(:func:`import_batch_run`) reads every file in one transaction, so a batch is imported whole or
not at all, and a crash or a killed worker leaves nothing behind but a batch that can be retried.

Memory stays bounded: importers yield one record at a time and rows are written in chunks.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import storage
from core.audit import AuditAction, audit_record
from core.locks import project_work_lock
from core.models import Project
from core.uploads import StoredUpload
from dialogues.importers import (
    FormatError,
    RecordIssue,
    SessionRecord,
    UnknownFormat,
    format_detect,
    importer_for,
    importer_formats,
)
from dialogues.importers.base import SPEAKERS, Importer
from dialogues.importers.reading import stream_forget, stream_position
from dialogues.models import (
    ImportBatch,
)
from dialogues.normalize import content_hash, language_detect, text_normalize
from dialogues.services.archives import ArchiveError, archive_expand, is_archive
from dialogues.services.import_writer import (
    MAX_REPORTED,
    PreparedCandidate,
    PreparedSession,
    SessionWriter,
)
from dialogues.services.search import search_documents_build

# Sessions written per round trip: large enough for COPY to pay off, small enough that the
# rows of one chunk (with 20-turn sessions, about 40,000 turns) stay a few megabytes.
CHUNK_SESSIONS = 2000

BINARY_EXTENSIONS = (".parquet",)
# Under the batch's local folder: a bucket's upload copied to the worker, for the run only.
FETCHED = "fetched"


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


# --- Creating a batch -----------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the user sees (relative path inside a folder) and its bytes."""

    name: str
    stream: IO[bytes]


class ImportRequestError(ValueError):
    """The request itself is unusable (no files, an unknown format); nothing was stored."""


def batch_dir(batch: ImportBatch) -> Path:
    """The batch's folder on this host's disk: the stored upload itself on the local backend,
    and where a worker expands archives (and, on a bucket, copies the upload) on any."""
    return Path(settings.MEDIA_ROOT) / "imports" / str(batch.pk)


def upload_prefix(batch: ImportBatch) -> str:
    """Where the batch's uploaded files are stored, as a key prefix of the uploads storage
    (``imports/<random>/upload``; batches stored before object storage used their id)."""
    return batch.upload_path or f"imports/{batch.pk}/upload"


def _safe_relative(name: str) -> Path:
    """A relative path that cannot climb out of the upload folder."""
    parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".", "..")]
    if not parts:
        raise ImportRequestError(_("A file has no usable name: %(name)r") % {"name": name})
    return Path(*parts)


def import_batch_create(
    *,
    project: Project,
    user: User | None,
    uploads: Iterable[Upload],
    format_name: str = "",
    skip_invalid: bool = False,
    name: str = "",
) -> ImportBatch:
    """Store the uploaded files for a new batch. Reading them is the job's work."""
    if format_name:
        try:
            importer_for(format_name)
        except UnknownFormat as error:
            raise ImportRequestError(str(error)) from None
    # The files go in first, under a key of their own, and the batch row only once they are
    # all stored: a process killed mid-upload leaves no batch, just keys that no batch names
    # (imports_purge deletes them). A bucket never shows a half-written object.
    prefix = f"imports/{uuid.uuid4().hex}/upload"
    uploads_storage = storage.uploads_storage()
    files: list[dict[str, Any]] = []
    try:
        for upload in uploads:
            relative = _safe_relative(upload.name).as_posix()
            key = f"{prefix}/{relative}"
            if isinstance(upload.stream, StoredUpload):
                # Already stored while the request was read (core.uploads): it only moves.
                storage.move(uploads_storage, upload.stream.stored_key, key)
                sha256, size = upload.stream.sha256, upload.stream.size
            else:
                # Streamed into storage as it is read, hashed on the way (core.storage).
                sha256, size = storage.stream_save(uploads_storage, key, upload.stream)
            files.append({"name": relative, "sha256": sha256, "size": size})
        if not files:
            raise ImportRequestError(_("Choose at least one file to import."))
    except BaseException:
        storage.delete_under(uploads_storage, prefix.removesuffix("/upload"))
        raise
    files.sort(key=lambda entry: entry["name"])
    if len(files) == 1:
        sha256 = files[0]["sha256"]
    else:
        listing = "\n".join(f"{entry['name']}:{entry['sha256']}" for entry in files)
        sha256 = hashlib.sha256(listing.encode()).hexdigest()
    if not name:
        name = files[0]["name"] if len(files) == 1 else f"{len(files)} files"
    return ImportBatch.objects.create(
        project=project,
        created_by=user if user is not None and user.is_authenticated else None,
        name=name[:300],
        format=format_name,
        format_override=bool(format_name),
        skip_invalid=skip_invalid,
        files=files,
        sha256=sha256,
        upload_path=prefix,
    )


def import_batch_start(*, batch: ImportBatch, user: User | None) -> Any:
    """Queue the batch's import job and remember it on the batch."""
    from core.jobs import job_enqueue
    from dialogues.tasks import IMPORT_KIND, import_sessions

    # One transaction, so the batch names its job before the job is sent: when the broker
    # refuses it, the failed job is found from the batch.
    with transaction.atomic():
        job = job_enqueue(
            kind=IMPORT_KIND,
            task=import_sessions,
            params={"batch_id": batch.pk},
            user=user,
            project=batch.project,
            message=_("Waiting for a worker"),
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
        batch.job = job
    return job


def import_batch_settle(job: Any) -> None:
    """The batch's job ended failed or cancelled without running it (see core.jobs.job_settle):
    the batch says failed too, not pending or running beside it, with the job's reason (a
    worker killed mid-import is reaped hours later; the batch must not stay "running"). A
    retry runs it again."""
    # A batch its job body already marked failed takes the job's reason too.
    unfinished = Q(status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING])
    ImportBatch.objects.filter(
        unfinished | Q(status=ImportBatch.Status.FAILED, failure=""),
        pk=job.params.get("batch_id"),
    ).update(
        status=ImportBatch.Status.FAILED,
        finished_at=timezone.now(),
        failure=job.error_report or job.message,
    )


def import_batch_requeue(job: Any) -> None:
    """The batch's failed job was queued again: the batch waits with it, its failure forgotten."""
    ImportBatch.objects.filter(
        pk=job.params.get("batch_id"), status=ImportBatch.Status.FAILED
    ).update(status=ImportBatch.Status.PENDING, finished_at=None, failure="")


# --- Running a batch ------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    batch_id: int
    status: str
    records_total: int = 0
    sessions_created: int = 0
    turns_created: int = 0
    duplicates: int = 0
    invalid: int = 0
    candidates_created: int = 0
    flags_created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicate_report: list[dict[str, Any]] = field(default_factory=list)
    formats: set[str] = field(default_factory=set)
    # Uploaded files (batch.files names) read by a format with personal columns, and that format.
    personal: dict[str, type[Importer]] = field(default_factory=dict)
    # What was left out without refusing anything, by kind (see ImportBatch.LEFT_OUT).
    left_out: dict[str, int] = field(default_factory=dict)

    def leave_out(self, kind: str, count: int) -> None:
        self.left_out[kind] = self.left_out.get(kind, 0) + count

    def as_result(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "status": str(self.status),
            "created": self.sessions_created,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "candidates": self.candidates_created,
            "flags": self.flags_created,
        }

    def error(
        self, *, file: str, record: int | None, line: int | None, field: str, message: str
    ) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(
                {"file": file, "line": line, "record": record, "field": field, "message": message}
            )

    def issue(self, issue: RecordIssue) -> None:
        self.error(
            file=issue.location.file,
            record=issue.location.record,
            line=issue.location.line,
            field=issue.field,
            message=issue.message,
        )

    def file_error(self, file: str, message: str) -> None:
        self.error(file=file, record=None, line=None, field="(file)", message=message)


def outcome_of(batch: ImportBatch) -> ImportOutcome:
    return ImportOutcome(
        batch_id=batch.pk,
        status=batch.status,
        records_total=batch.records_total,
        sessions_created=batch.sessions_created,
        duplicates=batch.duplicates,
        invalid=batch.invalid,
        candidates_created=batch.candidates_created,
        flags_created=batch.flags_created,
    )


class InvalidRecord(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _limit(value: str, *, field: str, maximum: int) -> str:
    if len(value) > maximum:
        raise InvalidRecord(
            field,
            _("too long (%(length)d characters; at most %(maximum)d)")
            % {"length": len(value), "maximum": maximum},
        )
    return value


def session_prepare(record: SessionRecord, *, source_format: str) -> PreparedSession:
    """Validate and normalise one record; raises InvalidRecord naming the field."""
    if not record.turns:
        raise InvalidRecord("turns", _("the conversation is empty"))
    if len(record.turns) > settings.IMPORT_MAX_TURNS:
        raise InvalidRecord(
            "turns",
            _("%(count)d turns; a session may have at most %(maximum)d (IMPORT_MAX_TURNS)")
            % {"count": len(record.turns), "maximum": settings.IMPORT_MAX_TURNS},
        )
    max_chars = settings.IMPORT_MAX_TURN_CHARS
    turns: list[tuple[str, str]] = []
    for index, turn in enumerate(record.turns):
        if turn.speaker not in SPEAKERS:
            raise InvalidRecord(
                f"turns[{index}].speaker",
                _("%(speaker)r is not one of %(speakers)s")
                % {"speaker": turn.speaker, "speakers": ", ".join(SPEAKERS)},
            )
        if not isinstance(turn.text, str):
            raise InvalidRecord(f"turns[{index}].text", _("expected text"))
        if len(turn.text) > max_chars:
            raise InvalidRecord(
                f"turns[{index}].text",
                _("too long (%(length)d characters; at most %(maximum)d, IMPORT_MAX_TURN_CHARS)")
                % {"length": len(turn.text), "maximum": max_chars},
            )
        text = text_normalize(turn.text)
        if not text:
            raise InvalidRecord(f"turns[{index}].text", _("the turn is empty"))
        turns.append((turn.speaker, text))
    candidates: list[PreparedCandidate] = []
    seen_keys: set[tuple[int, str]] = set()
    keys: set[str] = set()
    for index, candidate in enumerate(record.candidates):
        where = f"candidates[{index}]"
        key = _limit(str(candidate.key).strip(), field=f"{where}.key", maximum=100)
        if not key:
            raise InvalidRecord(f"{where}.key", _("missing"))
        if not 0 <= candidate.turn_index <= len(turns):
            raise InvalidRecord(
                f"{where}.turn_index",
                _("%(index)d is outside the conversation of %(count)d turns")
                % {"index": candidate.turn_index, "count": len(turns)},
            )
        if (candidate.turn_index, key) in seen_keys:
            raise InvalidRecord(f"{where}.key", _("%(key)r appears twice") % {"key": key})
        seen_keys.add((candidate.turn_index, key))
        keys.add(key)
        if isinstance(candidate.text, str) and len(candidate.text) > max_chars:
            raise InvalidRecord(
                f"{where}.text",
                _("too long (%(length)d characters; at most %(maximum)d, IMPORT_MAX_TURN_CHARS)")
                % {"length": len(candidate.text), "maximum": max_chars},
            )
        text = text_normalize(candidate.text) if isinstance(candidate.text, str) else ""
        if not text:
            raise InvalidRecord(f"{where}.text", _("the response is empty"))
        model_name = _limit(candidate.model_name or "", field=f"{where}.model", maximum=200)
        candidates.append(
            PreparedCandidate(key, text, candidate.turn_index, model_name, candidate.metadata)
        )
    ratings: list[tuple[str, float, str, str | None]] = []
    for index, rating in enumerate(record.ratings):
        where = f"ratings[{index}]"
        score = rating.score
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
        ):
            raise InvalidRecord(f"{where}.score", _("%(value)r is not a number") % {"value": score})
        if rating.candidate_key is not None and rating.candidate_key not in keys:
            raise InvalidRecord(
                f"{where}.candidate",
                _("no candidate response %(key)r") % {"key": rating.candidate_key},
            )
        ratings.append(
            (
                _limit(rating.criterion, field=f"{where}.criterion", maximum=100),
                float(score),
                _limit(rating.rater, field=f"{where}.rater", maximum=200),
                rating.candidate_key,
            )
        )
    preferences: list[tuple[str, str, str, dict[str, Any]]] = []
    for index, preference in enumerate(record.preferences):
        where = f"preferences[{index}]"
        for side in (preference.chosen_key, preference.rejected_key):
            if side not in keys:
                raise InvalidRecord(where, _("no candidate response %(key)r") % {"key": side})
        if preference.chosen_key == preference.rejected_key:
            raise InvalidRecord(where, _("a response cannot be preferred over itself"))
        preferences.append(
            (
                preference.chosen_key,
                preference.rejected_key,
                _limit(preference.provenance, field=f"{where}.provenance", maximum=200),
                preference.metadata,
            )
        )
    language = record.language or language_detect(text for _speaker, text in turns)
    if language not in ("en", "zh"):
        raise InvalidRecord("language", _("%(value)r is not en or zh") % {"value": language})
    location = record.location
    source_id = record.source_id or f"{location.file}#{location.record}"
    return PreparedSession(
        file=location.file,
        record=location.record,
        source_format=source_format,
        source_id=_limit(source_id, field="id", maximum=300),
        language=language,
        topic=_limit(record.topic or "", field="topic", maximum=200),
        generator_model=_limit(record.generator_model or "", field="model", maximum=200),
        metadata=record.metadata,
        labels=record.labels,
        turns=turns,
        candidates=candidates,
        ratings=ratings,
        preferences=preferences,
        content_hash=content_hash(turns, ((c.turn_index, c.key, c.text) for c in candidates)),
    )


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


def rejected_uploads_purge() -> list[ImportBatch]:
    """Delete the stored files of batches rejected more than IMPORT_REJECTED_RETENTION_DAYS ago.

    A rejected batch is never run again (a new upload makes a new batch), so its files serve
    only to look at what was refused. The batch row, its counts and its error report stay; the
    file list notes that the stored copy is gone.
    """
    cutoff = timezone.now() - timedelta(days=settings.IMPORT_REJECTED_RETENTION_DAYS)
    purged = []
    for batch in ImportBatch.objects.filter(
        status=ImportBatch.Status.REJECTED, finished_at__lt=cutoff
    ).exclude(upload_path=""):
        storage.delete_under(storage.uploads_storage(), upload_prefix(batch))
        shutil.rmtree(batch_dir(batch), ignore_errors=True)
        files = [{**entry, "stored": "deleted"} for entry in batch.files]
        ImportBatch.objects.filter(pk=batch.pk).update(upload_path="", files=files)
        purged.append(batch)
    return purged


def orphan_uploads_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete stored uploads that no batch names, left by a process killed mid-upload, once
    they are older than ``older_than``; in a bucket, abort such unfinished multipart uploads
    too. How many folders went."""
    uploads_storage = storage.uploads_storage()
    cutoff = timezone.now() - older_than
    named = {str(pk) for pk in ImportBatch.objects.values_list("pk", flat=True)}
    named |= {
        path.split("/")[1]
        for path in ImportBatch.objects.exclude(upload_path="").values_list(
            "upload_path", flat=True
        )
        if path.count("/") >= 2
    }
    gone = 0
    for folder, written in storage.folders_under(uploads_storage, "imports").items():
        if folder not in named and written < cutoff:
            storage.delete_under(uploads_storage, f"imports/{folder}")
            gone += 1
    storage.abort_stale_uploads(uploads_storage, "imports/", before=cutoff)
    return gone


def _stored_copies_scrub(batch: ImportBatch, outcome: ImportOutcome) -> None:
    """Keep no column that names a real person on disk once the batch has run.

    A plain file is rewritten without those columns; an archive cannot be rewritten in place, so
    it is deleted. The batch keeps the size and sha256 of each file as uploaded, so a later
    upload of the same file is still recognised. A batch that crashed keeps its files until the
    retry has read them.
    """
    if not outcome.personal or outcome.status not in (
        ImportBatch.Status.IMPORTED,
        ImportBatch.Status.REJECTED,
    ):
        return
    uploads_storage = storage.uploads_storage()
    prefix = upload_prefix(batch)
    files = []
    for entry in batch.files:
        importer = outcome.personal.get(entry["name"])
        key = f"{prefix}/{entry['name']}"
        if importer is not None and uploads_storage.exists(key):
            columns = ", ".join(importer.personal_columns)
            if is_archive(entry["name"]):
                uploads_storage.delete(key)
                entry = {**entry, "stored": f"deleted: it held {columns}"}
            else:
                _scrub_stored(
                    uploads_storage, key, batch_dir(batch) / FETCHED / entry["name"], importer
                )
                entry = {**entry, "stored": f"rewritten without {columns}"}
        files.append(entry)
    batch.files = files
    ImportBatch.objects.filter(pk=batch.pk).update(files=files)


def _scrub_stored(uploads_storage: Any, key: str, copy: Path, importer: type[Importer]) -> None:
    """Rewrite one stored file without its personal columns, in place or through a local copy
    that then replaces the stored one."""
    path = storage.local_path(uploads_storage, key)
    if path is not None:
        importer.stored_copy_scrub(path=path)
        return
    if not copy.exists():
        storage.download(uploads_storage, key, copy)
    importer.stored_copy_scrub(path=copy)
    with copy.open("rb") as handle:
        storage.stream_save(uploads_storage, key, handle)


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
    chunk: list[PreparedSession] = []
    sources = _source_files(batch, outcome)
    meter = _ByteMeter(progress, sources)
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
            chunk.append(prepared)
            if len(chunk) >= CHUNK_SESSIONS:
                writer.write(chunk)
                chunk = []
        meter.file_end()
    if chunk and not (outcome.invalid and not batch.skip_invalid):
        writer.write(chunk)
    return outcome


__all__ = [
    "ImportOutcome",
    "ImportRequestError",
    "Upload",
    "batch_dir",
    "import_batch_create",
    "import_batch_run",
    "import_batch_settle",
    "import_batch_start",
    "importer_formats",
    "orphan_uploads_purge",
    "rejected_uploads_purge",
    "session_prepare",
]
