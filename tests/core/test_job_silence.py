"""A running job whose worker has gone quiet says so on its page, before it is reaped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Job
from tests.conftest import client_for
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def _running(*, quiet_for: timedelta) -> Job:
    job = JobFactory(status=Job.Status.RUNNING, progress_done=44, progress_total=100)
    # auto_now moves updated_at on save; the heartbeat's age is set behind its back.
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - quiet_for)
    return Job.objects.get(pk=job.pk)


def test_a_job_silent_for_minutes_shows_how_long_the_worker_has_been_quiet(settings) -> None:
    settings.JOB_HEARTBEAT_SECONDS = 30
    settings.JOB_STALE_AFTER_SECONDS = 600
    job = _running(quiet_for=timedelta(seconds=250))

    page = client_for(job.started_by).get(reverse("core:job_progress", args=[job.pk]))

    text = page.content.decode()
    assert "No heartbeat from the worker for 4 min" in text
    assert "failed after 10 min without one" in text


def test_a_job_with_a_fresh_heartbeat_shows_no_warning(settings) -> None:
    settings.JOB_HEARTBEAT_SECONDS = 30
    job = _running(quiet_for=timedelta(seconds=5))

    page = client_for(job.started_by).get(reverse("core:job_detail", args=[job.pk]))

    assert "No heartbeat" not in page.content.decode()


def test_a_stale_job_says_it_can_be_retried(settings) -> None:
    settings.JOB_HEARTBEAT_SECONDS = 30
    settings.JOB_STALE_AFTER_SECONDS = 600
    job = _running(quiet_for=timedelta(seconds=900))

    page = client_for(job.started_by).get(reverse("core:job_detail", args=[job.pk]))

    text = page.content.decode()
    assert "No heartbeat from the worker for 15 min" in text
    assert "Retry" in text
