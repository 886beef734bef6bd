"""A judge run's state follows its job in the job's own code paths (failure, cancel, the
reaper), never in a page or API answer: reading the judge's runs writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.jobs import job_cancel, jobs_reap, run_job
from core.models import Job
from review.models import JudgeRun
from review.services.judging import judge_run_start
from tests.conftest import client_for
from tests.factories import ProjectFactory, member
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_server import (
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("judge_key")]


@pytest.fixture
def clinic(judge_server):
    project = ProjectFactory(slug="clinic")
    lead = member(project, "lead")
    judged_project(project, sessions=2, pairs=0)
    config = judge_config(project, judge_server)
    return {"project": project, "lead": lead, "config": config}


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]


def _run_whose_job_failed_behind_its_back(clinic) -> JudgeRun:
    """A queued run whose job a crashed process marked failed without settling the run."""
    run = judge_run_start(config=clinic["config"], user=clinic["lead"])
    Job.objects.filter(pk=run.job_id).update(status=Job.Status.FAILED)
    return run


@pytest.mark.parametrize(
    "where",
    ["api_judges", "api_judge_run", "review:judge_detail", "review:agreement_project"],
)
def test_reading_the_judges_runs_writes_nothing(clinic, where) -> None:
    run = _run_whose_job_failed_behind_its_back(clinic)
    args = {
        "api_judges": ["clinic"],
        "api_judge_run": ["clinic", run.pk],
        "review:judge_detail": ["clinic", clinic["config"].pk],
        "review:agreement_project": ["clinic"],
    }[where]
    if where.startswith("api_"):
        client = APIClient()
        client.force_authenticate(clinic["lead"])
    else:
        client = client_for(clinic["lead"])
    client.get(reverse("review:agreement_project", args=["clinic"]))  # session and caches

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(where, args=args))

    assert response.status_code == 200
    assert _writes(queries) == []


def test_a_run_cancelled_while_queued_is_cancelled_at_once(clinic) -> None:
    run = judge_run_start(config=clinic["config"], user=clinic["lead"])

    job_cancel(job=Job.objects.get(pk=run.job_id))

    run.refresh_from_db()
    assert run.status == JudgeRun.Status.CANCELLED
    assert run.finished_at is not None


def test_a_run_whose_job_nobody_took_is_failed_by_the_reaper(clinic, settings) -> None:
    run = judge_run_start(config=clinic["config"], user=clinic["lead"])
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_QUEUED_LIMIT_SECONDS + 60)
    Job.objects.filter(pk=run.job_id).update(updated_at=long_ago)

    assert [job.pk for job in jobs_reap()] == [run.job_id]

    run.refresh_from_db()
    assert run.status == JudgeRun.Status.FAILED
    assert "No worker took this job" in run.error


def test_a_run_whose_cancel_is_found_by_a_redelivery_is_cancelled(clinic, settings) -> None:
    """The worker died after the cancel was asked; the next delivery finds the request."""
    run = judge_run_start(config=clinic["config"], user=clinic["lead"])
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 60)
    Job.objects.filter(pk=run.job_id).update(
        status=Job.Status.RUNNING, cancel_requested=True, updated_at=stale
    )

    run_job(run.job_id, lambda job, progress: pytest.fail("a cancelled job must not run"))

    assert Job.objects.get(pk=run.job_id).status == Job.Status.CANCELLED
    run.refresh_from_db()
    assert run.status == JudgeRun.Status.CANCELLED
