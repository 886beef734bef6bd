from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import Job
from tests import jobtasks
from tests.conftest import client_for
from tests.factories import JobFactory, ProjectFactory, UserFactory


def _enqueue(user, **params):
    return jobs.job_enqueue(
        kind="tests.count", task=jobtasks.count, params=params, user=user, project=None
    )


@pytest.mark.django_db
def test_job_runs_to_success_with_progress(django_capture_on_commit_callbacks) -> None:
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = _enqueue(user, steps=4)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job.result == {"counted": 4}
    assert job.attempts == 1
    assert job.finished_at is not None


@pytest.mark.django_db
def test_failed_job_says_why_and_retry_runs_it_again(django_capture_on_commit_callbacks) -> None:
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = _enqueue(user, steps=3, fail_at=2)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error_report == "step 2 failed on purpose"
    assert job.progress_done == 1

    Job.objects.filter(pk=job.pk).update(params={"steps": 3})
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_retry(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.error_report == ""
    assert job.attempts == 2


@pytest.mark.django_db
def test_unexpected_crash_is_recorded_not_raised() -> None:
    job = JobFactory(params={"steps": "not a number"})
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error_report.startswith("Unexpected error: ValueError")


@pytest.mark.django_db
def test_a_second_delivery_of_a_finished_job_does_nothing() -> None:
    job = JobFactory(params={"steps": 2})
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    finished_at = job.finished_at
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.finished_at == finished_at


@pytest.mark.django_db
def test_running_job_with_live_heartbeat_is_not_started_twice() -> None:
    job = JobFactory(status=Job.Status.RUNNING, attempts=1)
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert job.attempts == 1


@pytest.mark.django_db
def test_orphaned_running_job_is_taken_over(settings) -> None:
    job = JobFactory(status=Job.Status.RUNNING, attempts=1, params={"steps": 2})
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(updated_at=long_ago)
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2


@pytest.mark.django_db
def test_cancel_a_queued_job_and_it_never_runs() -> None:
    job = JobFactory(params={"steps": 2})
    jobs.job_cancel(job=job)
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.attempts == 0


@pytest.mark.django_db
def test_cancel_request_stops_a_running_job_at_its_next_report() -> None:
    job = JobFactory(params={"steps": 5})
    claimed = jobs._claim(job.pk)
    assert claimed is not None
    jobs.job_cancel(job=job)
    progress = jobs.JobProgress(claimed, interval=0)
    with pytest.raises(jobs.JobCancelled):
        progress(1)
    job.refresh_from_db()
    assert job.cancel_requested
    assert job.message == "Cancelling…"


@pytest.mark.django_db
def test_progress_fragment_polls_while_running_and_stops_when_done() -> None:
    user = UserFactory()
    job = JobFactory(started_by=user, status=Job.Status.RUNNING, progress_total=10, progress_done=3)
    client = client_for(user)
    url = reverse("core:job_progress", args=[job.pk])

    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert "3 / 10 (30%)" in running
    assert "<html" not in running  # just the fragment

    Job.objects.filter(pk=job.pk).update(status=Job.Status.SUCCEEDED, progress_done=10)
    finished = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished
    assert "10 / 10 (100%)" in finished


@pytest.mark.django_db
def test_jobs_page_shows_own_jobs_and_a_leads_project_jobs(world) -> None:
    reviewer_job = JobFactory(project=world.project, started_by=world.reviewer, kind="mine")
    other_project_job = JobFactory(project=ProjectFactory(), kind="not-ours")

    lead_page = client_for(world.lead).get(reverse("core:job_list")).content.decode()
    reviewer_page = client_for(world.reviewer).get(reverse("core:job_list")).content.decode()

    assert f'href="/jobs/{reviewer_job.pk}/"' in lead_page
    assert f'href="/jobs/{world.job.pk}/"' in lead_page
    assert f'href="/jobs/{other_project_job.pk}/"' not in lead_page
    assert f'href="/jobs/{reviewer_job.pk}/"' in reviewer_page
    assert f'href="/jobs/{world.job.pk}/"' not in reviewer_page


@pytest.mark.django_db
def test_reviewer_cannot_open_a_leads_job(world) -> None:
    response = client_for(world.reviewer).get(reverse("core:job_detail", args=[world.job.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_retry_from_the_page_requeues_a_failed_job(
    world, django_capture_on_commit_callbacks
) -> None:
    Job.objects.filter(pk=world.job.pk).update(status=Job.Status.FAILED, error_report="boom")
    client = client_for(world.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("core:job_retry", args=[world.job.pk]), follow=True)
    world.job.refresh_from_db()
    assert world.job.status == Job.Status.SUCCEEDED
    assert "The job was queued again." in response.content.decode()


@pytest.mark.django_db
def test_api_shows_job_progress(world) -> None:
    Job.objects.filter(pk=world.job.pk).update(progress_done=2, progress_total=8)
    data = client_for(world.lead).get(f"/api/jobs/{world.job.pk}/").json()
    assert data["status"] == "queued"
    assert data["percent"] == 25
    assert data["project"] == "clinic"
