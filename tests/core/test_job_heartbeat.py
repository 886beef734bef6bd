"""A job that waits without reporting progress (for a lock, a long commit) is not called dead.

An export build's final commit waited about 98 s behind an import's lock, with no
progress report, long enough for ``jobs_reap`` to fail a healthy job. The job's own heartbeat
thread keeps it alive while the body waits; a killed worker's job still goes stale.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from core import jobs
from core.models import Job
from tests.factories import JobFactory

DEADLINE = 20


@pytest.mark.django_db(transaction=True)
def test_a_job_waiting_longer_than_the_stale_limit_is_not_reaped(settings) -> None:
    settings.JOB_STALE_AFTER_SECONDS = 1
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    job = JobFactory(params={})
    waiting, release = threading.Event(), threading.Event()

    def body(job: Job, progress: jobs.JobProgress) -> dict:
        waiting.set()
        release.wait(timeout=DEADLINE)  # a lock wait: no progress reported meanwhile
        return {"waited": True}

    def work() -> None:
        try:
            jobs.run_job(job.pk, body)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        assert waiting.wait(timeout=DEADLINE)
        # Past the stale limit: without a heartbeat the job now looks dead.
        time.sleep(settings.JOB_STALE_AFTER_SECONDS + 0.5)
        reaped = jobs.jobs_reap()
    finally:
        release.set()
        worker.join(timeout=DEADLINE)

    assert reaped == []
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == {"waited": True}


@pytest.mark.django_db(transaction=True)
def test_a_job_with_no_running_body_still_goes_stale(settings) -> None:
    """The heartbeat lives with the body: a job whose worker is gone is reaped as before."""
    settings.JOB_STALE_AFTER_SECONDS = 1
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    job = JobFactory(params={})
    stopped = threading.Event()

    def body(job: Job, progress: jobs.JobProgress) -> dict:
        raise SystemExit  # the worker process goes away mid-job; nothing finishes the job

    def work() -> None:
        try:
            jobs.run_job(job.pk, body)
        except SystemExit:
            stopped.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=DEADLINE)
    assert stopped.is_set()
    time.sleep(settings.JOB_STALE_AFTER_SECONDS + 0.5)

    assert [reaped.pk for reaped in jobs.jobs_reap()] == [job.pk]
