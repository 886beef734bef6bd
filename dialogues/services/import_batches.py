"""Creating an import batch: the uploaded files stored, then the job that reads them queued;
and the batch following its job when that job fails or is queued again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import storage
from core.exceptions import ApplicationError
from core.models import Project
from core.uploads import StoredUpload
from dialogues.importers import (
    UnknownFormat,
    importer_for,
)
from dialogues.models import (
    ImportBatch,
)

# --- Creating a batch -----------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the user sees (relative path inside a folder) and its bytes."""

    name: str
    stream: IO[bytes]


class ImportRequestError(ApplicationError):
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
