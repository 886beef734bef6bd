"""The import job: a thin Celery task around :func:`dialogues.services.imports.import_batch_run`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.jobs import JobCancelled, JobError, JobProgress, job_task
from core.models import Job
from dialogues.models import IMPORT_KIND, ImportBatch

__all__ = ["IMPORT_KIND", "import_job_body", "import_sessions"]


def import_job_body(job: Job, progress: JobProgress | Any) -> dict[str, Any]:
    """Run the batch named in the job; a rejected batch fails the job with its first errors."""
    from dialogues.services.bucket_imports import bucket_batch_fetch
    from dialogues.services.imports import import_batch_run

    batch_id = int(job.params["batch_id"])
    try:
        batch = ImportBatch.objects.select_related("project", "created_by").get(pk=batch_id)
        if batch.source_location and not batch.files:
            # A bucket import copies its files first; a retry after a failure copies them again.
            bucket_batch_fetch(batch=batch, progress=progress)
        outcome = import_batch_run(batch_id=batch_id, progress=progress)
    except JobCancelled:
        _mark_failed(batch_id)
        raise
    except Exception:
        # Nothing of the batch was written (its transaction rolled back); the job's error
        # report says why, and a retry starts over.
        _mark_failed(batch_id)
        raise
    result = outcome.as_result()
    if outcome.status == ImportBatch.Status.REJECTED:
        batch = ImportBatch.objects.get(pk=batch_id)
        lines = [
            _(
                "%(count)d invalid records: nothing was imported. Fix them, or import again "
                "with “skip invalid records” to import the valid ones."
            )
            % {"count": outcome.invalid}
        ]
        for error in batch.errors[:20]:
            lines.append(error_line(error))
        if len(batch.errors) > 20:
            lines.append(
                _("… and %(count)d more in the error report") % {"count": outcome.invalid - 20}
            )
        raise JobError("\n".join(lines), result=result)
    return result


def error_line(error: dict[str, Any]) -> str:
    where = [str(error.get("file") or "")]
    if error.get("record") is not None:
        where.append(_("record %(number)s") % {"number": error["record"]})
    if error.get("line") is not None:
        where.append(_("line %(number)s") % {"number": error["line"]})
    return f"{', '.join(where)}: {error.get('field')}: {error.get('message')}"


def _mark_failed(batch_id: int) -> None:
    ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING]
    ).update(status=ImportBatch.Status.FAILED)


@job_task("dialogues.import_sessions")
def import_sessions(job: Job, progress: JobProgress) -> dict[str, Any]:
    return import_job_body(job, progress)
