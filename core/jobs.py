"""Jobs: how a long operation is queued, run by a Celery worker, observed and retried.

A task is declared with :func:`job_task`; its body receives the Job and a :class:`JobProgress`
and returns a result dict. The wrapper claims the Job (so a duplicate or late delivery of the
same message does nothing), keeps status and progress current, and records why a job failed in
words a user can act on.

A job whose worker was killed comes back: the broker delivers the message again, and that
delivery waits until the job's heartbeat is older than JOB_STALE_AFTER_SECONDS, then takes the
job over. Its starter or a lead may also retry such a job, and ``manage.py jobs_reap`` marks
stale jobs failed with a message saying so.

What a running body reports (progress, cancel requests, the heartbeat) is core.job_progress's;
a task still imports all it needs from here.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from core.job_progress import JobCancelled, JobHeartbeat, JobProgress, JobSuperseded, this_run
from core.models import JOB_KINDS, Job, Project

logger = logging.getLogger(__name__)


class JobError(Exception):
    """A failure the user can understand and act on; its text becomes the job's error report."""

    def __init__(self, report: str, *, result: dict[str, Any] | None = None) -> None:
        super().__init__(report)
        self.report = report
        self.result = result or {}


class QueueUnavailable(Exception):
    """The broker could not be reached, so a job could not be queued; the job is marked failed.

    Views and APIs do not catch it one by one: core.middleware answers it with a 503 that says
    so, as a page or as JSON.
    """

    def __init__(self, message: str, *, job: Job) -> None:
        super().__init__(message)
        self.message = message
        self.job = job


def queue_unavailable_message() -> str:
    return _("The background queue is unavailable right now; please try again in a few minutes.")


JobBody = Callable[[Job, JobProgress], dict[str, Any] | None]


def job_enqueue(
    *,
    kind: str,
    task: Any,
    params: dict[str, Any],
    user: Any = None,
    project: Project | None = None,
    message: str = "",
) -> Job:
    """Create a queued Job and send it to the worker once the surrounding transaction commits."""
    job = Job.objects.create(
        kind=kind,
        task_name=task.name,
        # The worker writes messages and error reports in the language of whoever started it.
        params={**params, "_language": translation.get_language() or settings.LANGUAGE_CODE},
        started_by=user if user is not None and user.is_authenticated else None,
        project=project,
        message=message or _("Waiting for a worker"),
    )
    _send(job)
    return job


def _send(job: Job) -> None:
    from config.celery import app

    job_id, name = job.pk, job.task_name

    def send() -> None:
        # Through the registered task when this process knows it, so CELERY_TASK_ALWAYS_EAGER
        # applies; by name otherwise (a worker may know tasks the web process never imports).
        task = app.tasks.get(name)
        try:
            if task is not None:
                task.apply_async(args=[job_id])
            else:
                app.send_task(name, args=[job_id])
        except (BrokerError, OSError) as error:
            # The job was committed but no worker will ever hear of it: fail it now with the
            # reason, rather than leave it queued for good, and tell the person waiting.
            logger.warning("job %s could not be queued: %s", job_id, error)
            failed = _unsent(job_id)
            raise QueueUnavailable(queue_unavailable_message(), job=failed) from error

    transaction.on_commit(send)


def _unsent(job_id: int) -> Job:
    job = Job.objects.get(pk=job_id)
    with translation.override(job.params.get("_language") or settings.LANGUAGE_CODE):
        report = _(
            "The background queue is unavailable, so the job could not be queued; retry it "
            "once the queue is back."
        )
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED,
            message=_("Failed"),
            error_report=report,
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
    job.refresh_from_db()
    job_settle(job=job)
    return job


def job_settle(*, job: Job) -> None:
    """Make what a failed or cancelled job was making agree with it (its batch, its version).

    Called wherever a job ends without its body having a say: the broker refused it, it was
    reaped, cancelled before it ran, or its body failed. Each app says what that means for its
    objects (see ``register_job_kind``); a hook that breaks must not hide the job's own end.
    """
    kind = JOB_KINDS.get(job.kind)
    if kind is None or kind.on_failed is None or job.status not in _UNSUCCESSFUL:
        return
    try:
        kind.on_failed(job)
    except Exception:
        logger.exception("settling the objects of job %s (%s) failed", job.pk, job.kind)


_UNSUCCESSFUL = (Job.Status.FAILED, Job.Status.CANCELLED)


def _retryable() -> Q:
    stale = Q(status=Job.Status.RUNNING, updated_at__lt=Job.stale_cutoff())
    return Q(status__in=[Job.Status.FAILED, Job.Status.CANCELLED]) | stale


def job_retry(*, job: Job) -> Job:
    """Queue a failed or cancelled job again with the same parameters.

    A job left running by a worker that stopped (no heartbeat for JOB_STALE_AFTER_SECONDS) may be
    retried too; should its old run still be alive after all, it finds the job no longer its own
    at its next progress report and stops without writing.
    """
    updated = Job.objects.filter(_retryable(), pk=job.pk).update(
        status=Job.Status.QUEUED,
        progress_done=0,
        progress_total=None,
        message=_("Waiting for a worker"),
        error_report="",
        error_detail="",
        result={},
        cancel_requested=False,
        started_at=None,
        finished_at=None,
        updated_at=timezone.now(),
    )
    job.refresh_from_db()
    if updated:
        kind = JOB_KINDS.get(job.kind)
        if kind is not None and kind.on_retry is not None:
            kind.on_retry(job)
        _send(job)
    return job


def _stopped_message(heartbeat: datetime) -> str:
    when = formats.date_format(timezone.localtime(heartbeat), "Y-m-d H:i:s T")
    return _("The worker stopped (no heartbeat since %(time)s); retry it.") % {"time": when}


def _never_taken_message(queued: datetime) -> str:
    when = formats.date_format(timezone.localtime(queued), "Y-m-d H:i:s T")
    return _("No worker took this job (queued since %(time)s); retry it.") % {"time": when}


def jobs_reap() -> list[Job]:
    """Mark failed, saying why, every running job whose worker stopped and every job that no
    worker took within JOB_QUEUED_LIMIT_SECONDS (its message was lost, or no worker runs);
    what those jobs were making is marked failed with them. Returns the jobs."""
    reaped = []
    queued_cutoff = timezone.now() - timedelta(seconds=settings.JOB_QUEUED_LIMIT_SECONDS)
    with transaction.atomic():
        stale = Job.objects.select_for_update().filter(
            Q(status=Job.Status.RUNNING, updated_at__lt=Job.stale_cutoff())
            | Q(status=Job.Status.QUEUED, updated_at__lt=queued_cutoff)
        )
        for job in stale:
            language = job.params.get("_language") or settings.LANGUAGE_CODE
            with translation.override(language):
                if job.status == Job.Status.QUEUED:
                    report = _never_taken_message(job.updated_at)
                else:
                    report = _stopped_message(job.updated_at)
                job.status = Job.Status.FAILED
                job.message = _("Failed")
                job.error_report = report
                job.finished_at = timezone.now()
            job.save()
            reaped.append(job)
    for job in reaped:
        job_settle(job=job)
    return reaped


def job_cancel(*, job: Job) -> Job:
    """Ask a job to stop. A queued job is cancelled at once; a running one at its next report.

    A running job whose worker stopped will make no report: it is cancelled at once too.
    """
    cancelled = None
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.status == Job.Status.QUEUED or locked.is_stale:
            started = locked.status == Job.Status.RUNNING
            locked.status = Job.Status.CANCELLED
            locked.finished_at = timezone.now()
            locked.message = _("Cancelled") if started else _("Cancelled before it started")
            locked.cancel_requested = True
            locked.save()
            cancelled = locked
        elif locked.status == Job.Status.RUNNING:
            locked.cancel_requested = True
            locked.message = _("Cancelling…")
            locked.save(update_fields=["cancel_requested", "message", "updated_at"])
    if cancelled is not None:
        # Now, in the cancelling request, so what the job was making is cancelled with it and
        # no later read has to notice.
        job_settle(job=cancelled)
    job.refresh_from_db()
    return job


@dataclass(frozen=True)
class Busy:
    """The job is running with a live heartbeat; look again after ``seconds``."""

    seconds: float


def _claim(job_id: int) -> Job | Busy | None:
    """Move the job to RUNNING; or None when this delivery must not run it; or Busy.

    Brokers deliver at least once: a message can arrive twice, or again right after its worker
    died (RabbitMQ when the connection drops, any broker when a pool process is killed). A
    finished job is never run again. A running job with a heartbeat younger than
    JOB_STALE_AFTER_SECONDS may still have a live worker, so the delivery is told to come back
    when that heartbeat would be stale (:class:`Busy`); by then either the job has ended or its
    worker is gone and this delivery takes it over.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("job %s no longer exists; message dropped", job_id)
            return None
        if job.status in Job.FINISHED:
            return None
        if job.status == Job.Status.RUNNING and not job.is_stale:
            stale_at = job.updated_at + timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
            return Busy(max(1.0, (stale_at - timezone.now()).total_seconds() + 1))
        if not job.cancel_requested:
            return _claimed(job)
        job.status = Job.Status.CANCELLED
        job.finished_at = timezone.now()
        job.save()
    # The cancel was asked of a worker that died before it could answer: what the job was
    # making is cancelled here, once the job row says so.
    job_settle(job=job)
    return None


def _claimed(job: Job) -> Job:
    """The locked job, now RUNNING for this delivery's attempt."""
    job.status = Job.Status.RUNNING
    job.started_at = timezone.now()
    job.finished_at = None
    job.attempts += 1
    job.progress_done = 0
    job.message = _("Started")
    job.error_report = ""
    job.error_detail = ""
    job.save()
    return job


def _finish(
    job: Job,
    *,
    status: str,
    message: str,
    error_report: str = "",
    error_detail: str = "",
    result: Any,
) -> None:
    # Only while the job is still this run's: a retried, taken-over or reaped job is not touched.
    this_run(job).update(
        status=status,
        message=message[:500],
        error_report=error_report,
        error_detail=error_detail,
        result=result or {},
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def run_job(job_id: int, body: JobBody) -> Busy | None:
    """Claim and run the job; returns :class:`Busy` when it is running elsewhere."""
    job = _claim(job_id)
    if job is None or isinstance(job, Busy):
        return job
    language = job.params.get("_language") or settings.LANGUAGE_CODE
    with translation.override(language):
        _run_claimed(job, body)
    return None


def _run_claimed(job: Job, body: JobBody) -> None:
    progress = JobProgress(job)
    try:
        with JobHeartbeat(job):
            result = body(job, progress) or {}
    except JobSuperseded:
        logger.warning("job %s (%s): this run was superseded; it stops", job.pk, job.kind)
        return
    except JobCancelled:
        _finish(job, status=Job.Status.CANCELLED, message=_("Cancelled"), result={})
    except JobError as exc:
        _finish(
            job,
            status=Job.Status.FAILED,
            message=_("Failed"),
            error_report=exc.report,
            result=exc.result,
        )
    except Exception as exc:
        logger.exception("job %s (%s) crashed", job.pk, job.kind)
        report = _("Unexpected error: %(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
        # The traceback names files and code: staff read it (admin, API), other viewers do not.
        _finish(
            job,
            status=Job.Status.FAILED,
            message=_("Failed"),
            error_report=report,
            error_detail=traceback.format_exc(limit=8),
            result={},
        )
    else:
        this_run(job).update(progress_done=progress.done)
        if progress.total is not None:
            this_run(job).update(progress_total=progress.total)
        _finish(job, status=Job.Status.SUCCEEDED, message=_("Done"), result=result)
        return
    job.refresh_from_db()
    job_settle(job=job)


def job_task(name: str) -> Callable[[JobBody], Any]:
    """Declare a Celery task that runs ``body(job, progress)`` for the Job id it is sent.

    Tasks are acknowledged late and rejected when their worker dies, so a killed worker's job
    is delivered again; :func:`_claim` decides whether that delivery may run it. A delivery
    that finds the job running with a live heartbeat re-sends itself for when the heartbeat
    would be stale (a Celery retry, as often as needed), so the job is not dropped when the
    redelivery arrives while its dead worker's last heartbeat is still recent.
    """

    def decorate(body: JobBody) -> Any:
        def task(self: Any, job_id: int) -> None:
            busy = run_job(job_id, body)
            # Inline (eager) runs have no broker to come back through: nothing runs twice there.
            if busy is not None and not self.request.is_eager:
                raise self.retry(countdown=busy.seconds)

        task.__name__ = body.__name__
        task.__doc__ = body.__doc__
        return shared_task(
            name=name, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None
        )(task)

    return decorate
