from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import Job
from core.services import membership_remove
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


# --- Removed members --------------------------------------------------------------------------


JOB_ROUTES = [
    ("get", "core:job_detail"),
    ("get", "core:job_progress"),
    ("post", "core:job_retry"),
    ("post", "core:job_cancel"),
    ("get", "api_job_detail"),
    ("post", "api_job_retry"),
    ("post", "api_job_cancel"),
]


@pytest.mark.django_db
def test_a_removed_member_no_longer_sees_or_touches_the_jobs_they_started(world) -> None:
    job = JobFactory(project=world.project, started_by=world.reviewer, status=Job.Status.FAILED)
    own = JobFactory(project=None, started_by=world.reviewer, kind="personal")
    client = client_for(world.reviewer)
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 200

    membership_remove(project=world.project, user=world.reviewer)

    for method, name in JOB_ROUTES:
        response = getattr(client, method)(reverse(name, args=[job.pk]))
        assert response.status_code == 404, (name, response.status_code)
    listed = client.get(reverse("core:job_list")).content.decode()
    assert f'href="/jobs/{job.pk}/"' not in listed
    assert [row["id"] for row in client.get("/api/jobs/").json()["results"]] == [own.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED  # the retry did nothing
    # The project's leads still see it, and a job of no project stays its starter's.
    assert client_for(world.lead).get(reverse("core:job_detail", args=[job.pk])).status_code == 200
    assert client.get(reverse("core:job_detail", args=[own.pk])).status_code == 200


# --- Jobs whose worker stopped ----------------------------------------------------------------


def _stale(job: Job, settings) -> Job:
    long_ago = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=1, updated_at=long_ago)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_stale_running_job_can_be_retried_from_the_page(
    world, settings, django_capture_on_commit_callbacks
) -> None:
    job = _stale(world.job, settings)
    page = client_for(world.lead).get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert reverse("core:job_retry", args=[job.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.lead).post(
            reverse("core:job_retry", args=[job.pk]), follow=True
        )
    assert "The job was queued again." in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)


@pytest.mark.django_db
def test_a_live_running_job_cannot_be_retried(world) -> None:
    Job.objects.filter(pk=world.job.pk).update(status=Job.Status.RUNNING, attempts=1)
    client = client_for(world.lead)
    response = client.post(f"/api/jobs/{world.job.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["detail"] == "Only a failed or cancelled job can be retried."
    world.job.refresh_from_db()
    assert world.job.status == Job.Status.RUNNING


@pytest.mark.django_db
def test_the_api_retries_a_stale_running_job(world, settings) -> None:
    _stale(world.job, settings)
    response = client_for(world.lead).post(f"/api/jobs/{world.job.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["status"] == "queued"


@pytest.mark.django_db
def test_cancelling_a_stale_running_job_ends_it_at_once(world, settings) -> None:
    job = _stale(world.job, settings)
    jobs.job_cancel(job=job)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.finished_at is not None


@pytest.mark.django_db
def test_jobs_reap_marks_stale_jobs_failed_saying_why(world, settings) -> None:
    stale = _stale(world.job, settings)
    live = JobFactory(status=Job.Status.RUNNING, attempts=1)
    out = StringIO()
    call_command("jobs_reap", stdout=out)
    stale.refresh_from_db()
    live.refresh_from_db()
    assert stale.status == Job.Status.FAILED
    assert stale.error_report.startswith("The worker stopped (no heartbeat since ")
    assert stale.error_report.endswith("); retry it.")
    assert stale.can_retry
    assert live.status == Job.Status.RUNNING
    assert "1 stale job(s) marked failed" in out.getvalue()


@pytest.mark.django_db
def test_a_superseded_run_stops_and_writes_nothing(world, settings) -> None:
    """A run declared dead but still going (a slow worker) must not overwrite its successor."""
    claimed = jobs._claim(world.job.pk)
    assert isinstance(claimed, Job)
    _stale(world.job, settings)
    jobs.job_retry(job=world.job)  # queued again; the old run no longer owns the job
    with pytest.raises(jobs.JobSuperseded):
        jobs.JobProgress(claimed, interval=0)(1)
    jobs._finish(claimed, status=Job.Status.SUCCEEDED, message="old run", result={"x": 1})
    world.job.refresh_from_db()
    assert (world.job.status, world.job.message) == (Job.Status.QUEUED, "Waiting for a worker")


@pytest.mark.django_db
def test_a_delivery_that_finds_the_job_running_comes_back_when_it_would_be_stale(
    settings, monkeypatch
) -> None:
    """A redelivery right after a worker died must not be dropped: it is re-sent for later."""
    settings.JOB_STALE_AFTER_SECONDS = 300
    job = JobFactory(status=Job.Status.RUNNING, attempts=1, params={"steps": 1})
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(seconds=100))

    class Resent(Exception):
        pass

    countdowns = []

    def retry(countdown):  # type: ignore[no-untyped-def]
        countdowns.append(countdown)
        return Resent()

    monkeypatch.setattr(jobtasks.count, "retry", retry)
    with pytest.raises(Resent):
        jobtasks.count.run(job.pk)  # as a worker runs it (not eagerly)
    assert 195 < countdowns[0] < 205
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)


# --- Error reports ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_crash_shows_its_traceback_to_staff_only(world) -> None:
    job = JobFactory(project=world.project, started_by=world.lead, params={"steps": "x"})
    jobtasks.count.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.error_report.startswith("Unexpected error: ValueError")
    assert "Traceback" not in job.error_report
    assert job.error_detail.startswith("Traceback (most recent call last):")
    assert "tests/jobtasks.py" in job.error_detail

    page = client_for(world.lead).get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "Unexpected error: ValueError" in page
    assert "Traceback" not in page
    assert "jobtasks.py" not in page
    assert client_for(world.lead).get(f"/api/jobs/{job.pk}/").json()["error_detail"] == ""

    world.lead.is_staff = True
    world.lead.save()
    staff = client_for(world.lead)
    assert staff.get(f"/api/jobs/{job.pk}/").json()["error_detail"] == job.error_detail
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin_page = client_for(admin).get(f"/admin/core/job/{job.pk}/change/").content.decode()
    assert "Traceback (most recent call last):" in admin_page


@pytest.mark.django_db
def test_old_reports_have_their_traceback_moved_out() -> None:
    migration = importlib.import_module("core.migrations.0004_job_error_detail")
    report = "Unexpected error: ValueError: x"
    trace = 'Traceback (most recent call last):\n  File "/srv/app/x.py", line 1\nValueError: x\n'
    old = JobFactory(status=Job.Status.FAILED, error_report=f"{report}\n\n{trace}")
    plain = JobFactory(status=Job.Status.FAILED, error_report="step 2 failed on purpose")
    migration.split_tracebacks(django_apps, None)
    old.refresh_from_db()
    plain.refresh_from_db()
    assert (old.error_report, old.error_detail) == (report, trace)
    assert (plain.error_report, plain.error_detail) == ("step 2 failed on purpose", "")


@pytest.mark.django_db
def test_the_apis_refusals_are_translated(world) -> None:
    Job.objects.filter(pk=world.job.pk).update(status=Job.Status.SUCCEEDED)
    client = client_for(world.lead)
    chinese = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
    retry = client.post(f"/api/jobs/{world.job.pk}/retry/", **chinese)
    cancel = client.post(f"/api/jobs/{world.job.pk}/cancel/", **chinese)
    assert (retry.status_code, cancel.status_code) == (409, 409)
    assert retry.json()["detail"] == "只有失败或已取消的任务可以重试。"
    assert cancel.json()["detail"] == "此任务已经结束。"
