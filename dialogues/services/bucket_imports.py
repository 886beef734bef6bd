"""Importing from a bucket prefix: the objects under an allowed prefix become one import batch.

The lead names the prefix; the endpoint and credentials are the operator's (core.buckets). The
request only checks the location against the allow-list and makes the batch; the import job
then lists the prefix and streams each object from the bucket into the uploads storage, one at
a time, exactly as an upload would be stored, with progress in files, before it reads them. A
bucket that cannot be reached or holds no files fails the job saying so; a retry of the job
looks again. The batch names its files only once all are copied, so a worker killed midway
leaves a batch that its retry copies whole.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core import storage
from core.audit import AuditAction, audit_record
from core.buckets import BucketRefused, bucket_location_parse, bucket_objects, bucket_read
from core.jobs import JobError
from core.models import Project
from dialogues.models import ImportBatch
from dialogues.services.import_batches import _safe_relative
from dialogues.services.imports import (
    ImportRequestError,
    Progress,
    _no_progress,
    upload_prefix,
)


def import_batch_create_from_bucket(
    *,
    project: Project,
    user: User | None,
    location: str,
    format_name: str = "",
    skip_invalid: bool = False,
) -> ImportBatch:
    """A new batch whose job copies and imports the files under ``location``
    (``s3://bucket/prefix/``); refused at once when the location is not allowed."""
    from dialogues.importers import UnknownFormat, importer_for

    try:
        where = bucket_location_parse(text=location)
    except BucketRefused as refusal:
        raise ImportRequestError(str(refusal)) from None
    if format_name:
        try:
            importer_for(format_name)
        except UnknownFormat as error:
            raise ImportRequestError(str(error)) from None
    return ImportBatch.objects.create(
        project=project,
        created_by=user if user is not None and user.is_authenticated else None,
        name=where.uri[:300],
        format=format_name,
        format_override=bool(format_name),
        skip_invalid=skip_invalid,
        files=[],
        upload_path=f"imports/{uuid.uuid4().hex}/upload",
        source_location=where.uri,
    )


def bucket_batch_fetch(*, batch: ImportBatch, progress: Progress = _no_progress) -> None:
    """Copy the files under the batch's bucket location into its uploads, then name them on the
    batch (the job's first step). Raises JobError saying why when there is nothing to copy."""
    try:
        where = bucket_location_parse(text=batch.source_location)
        objects = bucket_objects(location=where, limit=settings.IMPORT_MAX_UPLOAD_FILES)
    except BucketRefused as refusal:
        raise JobError(str(refusal)) from None
    if not objects:
        raise JobError(_("%(location)s holds no files.") % {"location": where.uri})
    uploads = storage.uploads_storage()
    prefix = upload_prefix(batch)
    files: list[dict[str, Any]] = []
    message = _("Copying the files from %(location)s") % {"location": where.uri}
    # In bytes, as the import job counts its progress.
    progress(0, total=sum(obj.size for obj in objects), message=message, force=True)
    copied = 0
    for obj in objects:
        try:
            name = _safe_relative(obj.name).as_posix()
        except ImportRequestError as error:
            raise JobError(str(error)) from None
        try:
            body = bucket_read(location=where, key=obj.key)
        except BucketRefused as refusal:
            raise JobError(str(refusal)) from None
        try:
            sha256, size = storage.stream_save(uploads, f"{prefix}/{name}", body)
        finally:
            body.close()
        files.append({"name": name, "sha256": sha256, "size": size})
        copied += size
        progress(copied)
    if len(files) == 1:
        digest = str(files[0]["sha256"])
    else:
        listing = "\n".join(f"{entry['name']}:{entry['sha256']}" for entry in files)
        digest = hashlib.sha256(listing.encode()).hexdigest()
    ImportBatch.objects.filter(pk=batch.pk).update(files=files, sha256=digest)
    batch.files = files
    batch.sha256 = digest
    audit_record(
        actor=batch.created_by,
        action=AuditAction.SESSIONS_IMPORT_FROM_BUCKET,
        obj=batch,
        project=batch.project,
        after={"location": where.uri, "files": len(files)},
    )
