"""What a running job reports: progress, cancel requests and a heartbeat, on their own connection.

Progress is written through the ``jobs`` database alias (JOB_PROGRESS_DATABASE), so it is
committed at once and visible while the job's own transaction is still open. Every write is
limited to the run that claimed the job (``this_run``): a run that was retried, taken over or
reaped finds its attempt gone and stops.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.utils import timezone

from core.models import Job

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a job body when a user asked for the job to stop."""


class JobSuperseded(Exception):
    """Raised inside a job body whose run was given up: retried, taken over or reaped.

    The run that raises it writes nothing more; the job belongs to whoever took it.
    """


class JobProgress:
    """Reports progress to the Job row, at most every ``interval`` seconds.

    Each report also looks for a cancel request, so a cancelled job stops at its next report.
    """

    def __init__(self, job: Job, *, interval: float = 0.5) -> None:
        self.job = job
        self.interval = interval
        self._last_write = 0.0
        self.done = job.progress_done
        self.total = job.progress_total
        self.message = job.message

    def __call__(
        self,
        done: int | None = None,
        *,
        total: int | None = None,
        message: str | None = None,
        force: bool = False,
    ) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message[:500]
        now = time.monotonic()
        if not force and now - self._last_write < self.interval:
            return
        self._last_write = now
        self._write()

    def _write(self) -> None:
        jobs = this_run(self.job).using(settings.JOB_PROGRESS_DATABASE)
        try:
            state = jobs.values_list("cancel_requested", flat=True).first()
            if state is None:
                raise JobSuperseded
            if state:
                raise JobCancelled
            jobs.update(
                progress_done=self.done,
                progress_total=self.total,
                message=self.message,
                updated_at=timezone.now(),
            )
        except DatabaseError:
            # SQLite allows one writer; while the job's own transaction holds the lock a progress
            # write is skipped. The final status is written after that transaction ends.
            logger.debug("progress write for job %s skipped", self.job.pk, exc_info=True)


class JobHeartbeat:
    """Keeps the job's heartbeat fresh from a thread of its own while the body runs.

    Progress reports are the body's heartbeat, but a body can wait without reporting: for a lock,
    for a long final commit, for a slow file. Without this a healthy job waiting that long looked
    dead to ``jobs_reap`` and to a redelivery. The thread dies with its process, so a killed
    worker still goes stale. It touches only ``updated_at`` and only while the run is this one's.
    """

    def __init__(self, job: Job, *, interval: float | None = None) -> None:
        self.job = job
        self.interval = interval if interval is not None else settings.JOB_HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"job-{job.pk}-heartbeat", daemon=True
        )

    def __enter__(self) -> JobHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    this_run(self.job).using(settings.JOB_PROGRESS_DATABASE).update(
                        updated_at=timezone.now()
                    )
                except DatabaseError:
                    # SQLite's single writer may be busy; the next beat tries again.
                    logger.debug("heartbeat for job %s skipped", self.job.pk, exc_info=True)
        finally:
            connections.close_all()


def this_run(job: Job) -> QuerySet[Job]:
    """The job's row while it is still running as this run claimed it (same attempt)."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts)
