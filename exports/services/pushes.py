"""Exporting to a bucket prefix: a lead copies an approved version to a training team's bucket.

The files are streamed from the exports storage to ``<prefix>/<name>-v<n>/`` of the bucket the
lead named (an operator-allowed location, core.buckets), data first and ``manifest.json`` last, so
a reader of the bucket that finds the manifest finds every file it lists, with the checksums it
lists. Each copy is an audit event in every project of the export, like a download. The copy
runs as a job (progress in files, a failure that names the location and the reason, a retry).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import storage
from core.audit import AuditAction, audit_record
from core.buckets import BucketLocation, bucket_location_parse, bucket_write
from core.jobs import job_enqueue
from core.models import Job
from exports.manifest import MANIFEST_NAME
from exports.models import ExportVersion
from exports.services.agreement import ExportRefused
from exports.services.downloads import archive_name, export_file_key

TO_BUCKET_KIND = "exports.to_bucket"


def _target(*, version: ExportVersion, location: str) -> BucketLocation:
    if not version.is_downloadable:
        raise ExportRefused(
            _("Only an approved version can be copied to a bucket (this one is %(s)s).")
            % {"s": version.get_status_display()}
        )
    where = bucket_location_parse(text=location)
    folder = archive_name(version=version).removesuffix(".zip")
    return BucketLocation(bucket=where.bucket, prefix=where.key(folder))


def export_version_to_bucket_start(
    *, version: ExportVersion, user: Any, location: str, queue: bool = True
) -> tuple[str, Job]:
    """Check the version and the location now, and queue the copy as a job (``queue=False``:
    the job is made for the caller to run, as the command does); where the copy goes
    (s3://...) and the job."""
    from exports.tasks import export_to_bucket_task

    target = _target(version=version, location=location)
    params = {"version_id": version.pk, "location": location}
    project = version.specification.projects.order_by("pk").first()
    if not queue:
        job = Job.objects.create(
            kind=TO_BUCKET_KIND,
            task_name=export_to_bucket_task.name,
            params=params,
            started_by=user,
            project=project,
        )
        return target.uri, job
    job = job_enqueue(
        kind=TO_BUCKET_KIND,
        task=export_to_bucket_task,
        params=params,
        user=user,
        project=project,
        message=_("Waiting for a worker"),
    )
    return target.uri, job


def export_version_to_bucket(
    *, version: ExportVersion, user: Any, location: str, progress: Any = None
) -> str:
    """Copy the approved version under ``location``; the location of the copy (s3://...).

    The job's body. Each file is written whole (an object appears only once its upload is
    complete) and the manifest last; a retry after a failure or a killed worker writes every
    file again, so the copy a reader finds with its manifest is whole.
    """
    target = _target(version=version, location=location)
    exports = storage.exports_storage()
    names = [entry["path"] for entry in version.manifest.get("files", [])] + [MANIFEST_NAME]
    if progress is not None:
        progress(
            0, total=len(names), message=_("Copying to %(location)s") % {"location": target.uri}
        )
    for done, name in enumerate(names, start=1):
        key = export_file_key(version=version, name=name)
        bucket_write(location=target, name=name, blocks=storage.blocks(exports, key))
        if progress is not None:
            progress(done)
    with transaction.atomic():
        for project in version.specification.projects.all():
            audit_record(
                actor=user,
                action=AuditAction.EXPORT_TO_BUCKET,
                obj=version,
                project=project,
                after={"location": target.uri, "version": version.number, "files": len(names)},
            )
    return target.uri
