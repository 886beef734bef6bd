"""Importing from a bucket prefix: the objects under an allowed prefix become one import batch.

The lead names the prefix; the endpoint and credentials are the operator's (core.buckets). Each
object is streamed from the bucket into the uploads storage, one at a time, exactly as an upload
would be, so the batch runs like any other and can be retried from its stored copy.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.buckets import BucketRefused, bucket_location_parse, bucket_objects, bucket_read
from core.models import Project
from dialogues.models import ImportBatch
from dialogues.services.imports import ImportRequestError, Upload, import_batch_create


def import_batch_create_from_bucket(
    *,
    project: Project,
    user: User | None,
    location: str,
    format_name: str = "",
    skip_invalid: bool = False,
) -> ImportBatch:
    """A new batch holding the files under ``location`` (``s3://bucket/prefix/``)."""
    try:
        where = bucket_location_parse(text=location)
        objects = bucket_objects(location=where, limit=settings.IMPORT_MAX_UPLOAD_FILES)
    except BucketRefused as refusal:
        raise ImportRequestError(str(refusal)) from None
    if not objects:
        raise ImportRequestError(_("%(location)s holds no files.") % {"location": where.uri})

    def uploads() -> Iterator[Upload]:
        for obj in objects:
            try:
                body = bucket_read(location=where, key=obj.key)
            except BucketRefused as refusal:
                raise ImportRequestError(str(refusal)) from None
            try:
                yield Upload(obj.name, body)
            finally:
                body.close()

    batch = import_batch_create(
        project=project,
        user=user,
        uploads=uploads(),
        format_name=format_name,
        skip_invalid=skip_invalid,
        name=where.uri,
    )
    audit_record(
        actor=user if user is not None and user.is_authenticated else None,
        action=AuditAction.SESSIONS_IMPORT_FROM_BUCKET,
        obj=batch,
        project=project,
        after={"location": where.uri, "files": len(objects)},
    )
    return batch
