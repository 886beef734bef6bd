"""The broker is unreachable: the user is told so, the job fails with that reason, a retry works.

With the broker down an upload or "Build a new version" answered a generic
500 (HTML even on the API) and left the Job, the ImportBatch and the ExportVersion queued for
good, since ``jobs_reap`` skipped queued jobs. The broker here is a Redis address where nothing
listens, so sending really fails; the retry goes through a real worker on the real broker.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.models import Job, Role
from dialogues.models import ImportBatch
from exports.models import ExportVersion
from tests.conftest import client_for
from tests.core.test_worker import _broker, _output, _wait, real_broker, worker
from tests.dialogues.importing import EXAM, SLEEP, jsonl
from tests.exports.records import ExportSpecificationFactory
from tests.factories import JobFactory, ProjectFactory, member

# Nothing listens on port 1: a connection is refused at once, as when the broker is down.
DOWN = "redis://127.0.0.1:1/0"
UNAVAILABLE = "The background queue is unavailable"


def _upload(client, project, **extra):  # type: ignore[no-untyped-def]
    data = {"project": project.slug, "format": "", "files": io.BytesIO(jsonl(EXAM, SLEEP))}
    data["files"].name = "chats.jsonl"
    return client.post(reverse("dialogues:import_upload"), data, **extra)


@pytest.fixture
def lead_project(db):  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="clinic")
    return project, member(project, Role.LEAD, "lead")


@pytest.mark.django_db(transaction=True)
def test_an_upload_with_the_broker_down_says_so_and_fails_the_job(lead_project) -> None:
    project, lead = lead_project
    with real_broker(DOWN, {}, "rapport-down"):
        response = _upload(client_for(lead), project)

    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    batch = ImportBatch.objects.get(project=project)
    assert batch.status == ImportBatch.Status.FAILED
    job = batch.job
    assert job.status == Job.Status.FAILED
    assert UNAVAILABLE in job.error_report


@pytest.mark.django_db(transaction=True)
def test_the_message_is_in_the_users_language(lead_project) -> None:
    project, lead = lead_project
    with real_broker(DOWN, {}, "rapport-down"):
        response = _upload(client_for(lead), project, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 503
    assert "后台任务队列暂时不可用" in response.content.decode()
    assert "后台任务队列暂时不可用" in ImportBatch.objects.get(project=project).job.error_report


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_json_when_the_broker_is_down(lead_project) -> None:
    project, lead = lead_project
    upload = io.BytesIO(jsonl(EXAM))
    upload.name = "chats.jsonl"
    with real_broker(DOWN, {}, "rapport-down"):
        response = client_for(lead).post(
            reverse("api_import_list", kwargs={"slug": project.slug}), {"files": upload}
        )

    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert UNAVAILABLE in response.json()["detail"]
    assert ImportBatch.objects.get(project=project).job.status == Job.Status.FAILED


@pytest.mark.django_db(transaction=True)
def test_building_a_version_with_the_broker_down_says_so_and_fails_the_version(
    lead_project,
) -> None:
    project, lead = lead_project
    specification = ExportSpecificationFactory(projects=[project])
    with real_broker(DOWN, {}, "rapport-down"):
        response = client_for(lead).post(
            reverse("exports:version_build", kwargs={"specification_id": specification.pk})
        )

    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    version = ExportVersion.objects.get(specification=specification)
    assert version.status == ExportVersion.Status.FAILED
    assert UNAVAILABLE in version.error
    assert version.job.status == Job.Status.FAILED


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_retry_once_the_broker_is_back_imports_the_batch(lead_project, tmp_path: Path) -> None:
    project, lead = lead_project
    client = client_for(lead)
    with real_broker(DOWN, {}, "rapport-down"):
        _upload(client, project)
    batch = ImportBatch.objects.get(project=project)
    assert batch.job.status == Job.Status.FAILED

    broker_url, broker_env = _broker(tmp_path)
    queue = f"rapport-test-{uuid.uuid4().hex[:8]}"
    with real_broker(broker_url, broker_env, queue), worker(broker_url, broker_env, queue) as w:
        response = client.post(reverse("core:job_retry", kwargs={"job_id": batch.job.pk}))
        assert response.status_code in (200, 302)
        job = Job.objects.get(pk=batch.job.pk)
        _wait(job, lambda job: job.is_finished)
        assert job.status == Job.Status.SUCCEEDED, _output(w)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 2


@pytest.mark.django_db
def test_reap_fails_a_job_left_queued_too_long_and_its_batch(settings, lead_project) -> None:
    settings.JOB_QUEUED_LIMIT_SECONDS = 3600
    project, lead = lead_project
    batch = ImportBatch.objects.create(project=project, name="chats.jsonl")
    job = JobFactory(
        project=project, started_by=lead, kind="dialogues.import", params={"batch_id": batch.pk}
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    fresh = JobFactory(project=project, started_by=lead, params={})
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=2))

    reaped = jobs.jobs_reap()

    assert [j.pk for j in reaped] == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "no worker" in job.error_report.lower()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    fresh.refresh_from_db()
    assert fresh.status == Job.Status.QUEUED
