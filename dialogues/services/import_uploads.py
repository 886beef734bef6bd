"""Keeping the stored uploads: rejected batches' files purged after a while, orphans left by a
killed upload removed, and columns naming real people scrubbed once a batch has run.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from core import storage
from dialogues.importers.base import Importer
from dialogues.models import (
    ImportBatch,
)
from dialogues.services.archives import is_archive
from dialogues.services.import_batches import batch_dir, upload_prefix
from dialogues.services.import_files import FETCHED
from dialogues.services.import_outcome import ImportOutcome


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
