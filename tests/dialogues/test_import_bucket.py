"""A lead imports the files under a bucket prefix, through the API, the page and the command;
only from locations the operator allows, with the operator's credentials."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent, Job, Role
from core.tokens import api_token_create
from dialogues.models import ImportBatch, Session
from tests.conftest import client_for
from tests.dialogues.importing import EXAM, SLEEP, jsonl
from tests.factories import ProjectFactory, member
from tests.s3 import new_bucket

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def datasets(s3_bucket, settings, django_capture_on_commit_callbacks):
    """A training team's bucket beside Rapport's own, with two files under an allowed prefix."""
    bucket = new_bucket(s3_bucket.endpoint)
    bucket.put("incoming/cactus/exam.jsonl", jsonl(EXAM))
    bucket.put("incoming/cactus/more/sleep.jsonl", jsonl(SLEEP))
    bucket.put("private/secret.jsonl", jsonl(EXAM))
    settings.BUCKETS_ALLOWED = [f"{bucket.name}/incoming"]
    return bucket


@pytest.fixture
def lead(db):
    return member(ProjectFactory(slug="clinic"), Role.LEAD, "lead")


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")
    return client


def test_a_lead_imports_a_bucket_prefix_through_the_api(
    datasets, s3_bucket, lead, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        answer = _api(lead).post(
            "/api/projects/clinic/imports/bucket/",
            {"location": f"s3://{datasets.name}/incoming/cactus/"},
            format="json",
        )

    assert answer.status_code == 202, answer.content
    batch = ImportBatch.objects.get(pk=answer.json()["batch"]["id"])
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.name == f"s3://{datasets.name}/incoming/cactus/"
    assert [entry["name"] for entry in batch.files] == ["exam.jsonl", "more/sleep.jsonl"]
    assert Session.objects.filter(batch=batch).count() == 2
    # The files were copied into Rapport's storage, so a retry does not depend on the bucket.
    assert s3_bucket.keys(f"rapport/{batch.upload_path}/") == [
        f"rapport/{batch.upload_path}/exam.jsonl",
        f"rapport/{batch.upload_path}/more/sleep.jsonl",
    ]
    event = AuditEvent.objects.get(action="dialogues.import.from_bucket")
    assert event.actor == lead
    assert event.after == {"location": f"s3://{datasets.name}/incoming/cactus/", "files": 2}


@pytest.mark.parametrize(
    "location",
    [
        "s3://{bucket}/private/",
        "s3://{bucket}/incoming/../private/",
        "s3://{rapport}/rapport/",
        "file:///etc/passwd",
        "http://127.0.0.1:{port}/{bucket}/incoming/",
    ],
)
def test_a_location_outside_the_allow_list_is_refused_and_nothing_is_read(
    datasets, s3_bucket, lead, location
) -> None:
    location = location.format(
        bucket=datasets.name, rapport=s3_bucket.name, port=s3_bucket.endpoint.rsplit(":", 1)[1]
    )

    answer = _api(lead).post(
        "/api/projects/clinic/imports/bucket/", {"location": location}, format="json"
    )

    assert answer.status_code == 400
    assert "not a bucket location Rapport may use" in answer.json()["detail"]
    assert ImportBatch.objects.count() == 0
    assert s3_bucket.keys("rapport/imports/") == []


def test_a_reviewer_or_an_outsider_cannot_import_from_a_bucket(datasets, lead) -> None:
    project = lead.memberships.get().project
    reviewer = member(project, Role.REVIEWER, "reviewer")
    outsider = member(ProjectFactory(slug="elsewhere"), Role.LEAD, "outsider")
    body = {"location": f"s3://{datasets.name}/incoming/cactus/"}

    codes = [
        _api(user).post("/api/projects/clinic/imports/bucket/", body, format="json").status_code
        for user in (reviewer, outsider)
    ]

    assert codes == [403, 404]
    assert ImportBatch.objects.count() == 0


def test_the_page_imports_a_bucket_prefix(
    datasets, lead, django_capture_on_commit_callbacks
) -> None:
    page = client_for(lead)
    form = page.get(reverse("dialogues:import_upload") + "?project=clinic").content.decode()
    assert 'name="location"' in form

    with django_capture_on_commit_callbacks(execute=True):
        answer = page.post(
            reverse("dialogues:import_from_bucket"),
            {"project": "clinic", "location": f"s3://{datasets.name}/incoming/cactus/"},
        )

    batch = ImportBatch.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("dialogues:batch_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 2


def test_the_command_imports_a_bucket_prefix(datasets, lead) -> None:
    out = io.StringIO()

    call_command(
        "import_sessions",
        "--project",
        "clinic",
        "--from-bucket",
        f"s3://{datasets.name}/incoming/",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )

    assert '"created": 2' in out.getvalue().splitlines()[-1]
    assert Session.objects.count() == 2


def test_a_bucket_import_runs_as_a_job_whose_failure_says_why_and_whose_retry_imports(
    datasets, lead, django_capture_on_commit_callbacks
) -> None:
    client = _api(lead)
    location = f"s3://{datasets.name}/incoming/later/"

    # Nothing there yet: the request is taken (the worker lists the prefix), the job says why.
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/api/projects/clinic/imports/bucket/", {"location": location}, format="json"
        )
    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["job"]["id"])
    batch = ImportBatch.objects.get(pk=answer.json()["batch"]["id"])
    assert job.kind == "dialogues.import"
    assert job.status == Job.Status.FAILED
    assert f"{location} holds no files" in job.error_report
    assert batch.status == ImportBatch.Status.FAILED
    assert f"{location} holds no files" in batch.failure

    # The files arrive; the same job, retried, copies them and imports.
    datasets.put("incoming/later/exam.jsonl", jsonl(EXAM))
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/api/jobs/{job.pk}/retry/")
    assert retried.status_code == 202
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert batch.status == ImportBatch.Status.IMPORTED
    assert [entry["name"] for entry in batch.files] == ["exam.jsonl"]
    assert Session.objects.filter(batch=batch).count() == 1
