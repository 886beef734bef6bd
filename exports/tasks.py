"""Celery tasks of the exports app: thin wrappers that call one service."""

from __future__ import annotations

from typing import Any

from core.buckets import BucketRefused
from core.jobs import JobError, JobProgress, job_task
from core.models import Job
from exports.models import ExportVersion
from exports.services.agreement import ExportRefused


@job_task("exports.build")
def export_build_task(job: Job, progress: JobProgress) -> dict[str, Any]:
    from exports.services.building import export_version_build

    version = ExportVersion.objects.select_related("specification").get(pk=job.params["version_id"])
    try:
        export_version_build(version=version, progress=progress)
    except ExportRefused as refusal:
        raise JobError(str(refusal)) from refusal
    version.refresh_from_db()
    return {split: counts["rows"] for split, counts in version.counts.items()}


@job_task("exports.to_bucket")
def export_to_bucket_task(job: Job, progress: JobProgress) -> dict[str, Any]:
    return export_to_bucket_body(job, progress)


def export_to_bucket_body(job: Job, progress: JobProgress | Any) -> dict[str, Any]:
    from exports.services.pushes import export_version_to_bucket

    version = ExportVersion.objects.select_related("specification").get(pk=job.params["version_id"])
    try:
        uri = export_version_to_bucket(
            version=version, user=job.started_by, location=job.params["location"], progress=progress
        )
    except (BucketRefused, ExportRefused) as refusal:
        raise JobError(str(refusal)) from refusal
    return {"location": uri}
