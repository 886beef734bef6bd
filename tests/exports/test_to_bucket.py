"""A lead copies an approved version to a training team's bucket prefix: every file, the
manifest last, checksums that verify in the target bucket; only to allowed locations."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent, Job, Role
from core.tokens import api_token_create
from exports.models import ExportVersion
from exports.services.building import export_version_approve
from tests.conftest import client_for
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member
from tests.s3 import new_bucket


@pytest.fixture
def people(db):
    project = ProjectFactory(slug="clinic")
    return {
        "project": project,
        "lead": member(project, Role.LEAD, "lead"),
        "trainer": member(project, Role.TRAINER, "trainer"),
    }


@pytest.fixture
def versions(s3_bucket, people, build):
    rubric = published_rubric()
    for n in range(6):
        approved_session(
            project=people["project"],
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Client speech {n} about worry."), ("counselor", f"Reply {n}.")],
        )
    specification = ExportSpecificationFactory(projects=[people["project"]], name="Clinic SFT")
    approved = build(specification, people["lead"])
    export_version_approve(version=approved, user=people["lead"])
    pending = build(specification, people["lead"])
    approved.refresh_from_db()
    return approved, pending


@pytest.fixture
def training(s3_bucket, settings):
    bucket = new_bucket(s3_bucket.endpoint)
    settings.BUCKETS_ALLOWED = [f"{bucket.name}/exports"]
    return bucket


def _api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")
    return client


def _verify(bucket, prefix: str, version: ExportVersion) -> None:
    manifest = json.loads(bucket.read(prefix + "manifest.json"))
    assert manifest == version.manifest
    stored = {key[len(prefix) :] for key in bucket.keys(prefix)}
    assert stored == {entry["path"] for entry in manifest["files"]} | {"manifest.json"}
    for entry in manifest["files"]:
        assert hashlib.sha256(bucket.read(prefix + entry["path"])).hexdigest() == entry["sha256"]


def test_a_lead_copies_an_approved_version_to_a_bucket_through_the_api(
    training, versions, people, django_capture_on_commit_callbacks
) -> None:
    approved, _pending = versions

    with django_capture_on_commit_callbacks(execute=True):
        answer = _api(people["lead"]).post(
            f"/api/exports/{approved.pk}/to-bucket/",
            {"location": f"s3://{training.name}/exports/clinic/"},
            format="json",
        )

    assert answer.status_code == 202, answer.content
    assert answer.json()["location"] == f"s3://{training.name}/exports/clinic/Clinic-SFT-v1/"
    assert Job.objects.get(pk=answer.json()["job"]["id"]).status == Job.Status.SUCCEEDED
    _verify(training, "exports/clinic/Clinic-SFT-v1/", approved)
    event = AuditEvent.objects.get(action="exports.version.to_bucket")
    assert event.actor == people["lead"]
    assert event.after["location"] == f"s3://{training.name}/exports/clinic/Clinic-SFT-v1/"


def test_an_unapproved_version_or_a_location_outside_the_allow_list_is_refused(
    training, versions, people, s3_bucket
) -> None:
    approved, pending = versions
    client = _api(people["lead"])
    url = f"/api/exports/{approved.pk}/to-bucket/"

    unapproved = client.post(
        f"/api/exports/{pending.pk}/to-bucket/",
        {"location": f"s3://{training.name}/exports/"},
        format="json",
    )
    outside = [
        client.post(url, {"location": location}, format="json")
        for location in (
            f"s3://{training.name}/elsewhere/",
            f"s3://{s3_bucket.name}/rapport/",
            "file:///tmp/out/",
            f"{s3_bucket.endpoint}/{training.name}/exports/",
        )
    ]
    trainer = _api(people["trainer"]).post(
        url, {"location": f"s3://{training.name}/exports/"}, format="json"
    )

    assert unapproved.status_code == 409
    assert [answer.status_code for answer in outside] == [400, 400, 400, 400]
    assert trainer.status_code == 403
    assert training.keys() == []
    assert not AuditEvent.objects.filter(action="exports.version.to_bucket").exists()


def test_the_page_and_the_command_copy_a_version(
    training, versions, people, django_capture_on_commit_callbacks
) -> None:
    approved, _pending = versions
    page = client_for(people["lead"])
    detail = page.get(reverse("exports:version_detail", args=[approved.pk])).content.decode()
    assert reverse("exports:version_to_bucket", args=[approved.pk]) in detail

    with django_capture_on_commit_callbacks(execute=True):
        answer = page.post(
            reverse("exports:version_to_bucket", args=[approved.pk]),
            {"location": f"s3://{training.name}/exports/page/"},
        )
    out = io.StringIO()
    call_command(
        "export_to_bucket", str(approved.pk), f"s3://{training.name}/exports/cli", stdout=out
    )

    assert answer.status_code == 302
    job = Job.objects.get(kind="exports.to_bucket", started_by=people["lead"])
    assert answer["Location"] == reverse("core:job_detail", args=[job.pk])
    job_page = page.get(answer["Location"]).content.decode()
    assert "Copy to a bucket" in job_page
    assert job.status == Job.Status.SUCCEEDED
    _verify(training, "exports/page/Clinic-SFT-v1/", approved)
    _verify(training, "exports/cli/Clinic-SFT-v1/", approved)
    assert out.getvalue().strip() == f"s3://{training.name}/exports/cli/Clinic-SFT-v1/"


def test_a_copy_to_a_bucket_is_a_job_whose_failure_says_why_and_whose_retry_copies(
    training, versions, people, settings, django_capture_on_commit_callbacks
) -> None:
    approved, _pending = versions
    missing = new_bucket(training.endpoint)
    missing.client.delete_bucket(Bucket=missing.name)
    settings.BUCKETS_ALLOWED = [*settings.BUCKETS_ALLOWED, f"{missing.name}/exports"]
    client = _api(people["lead"])

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/api/exports/{approved.pk}/to-bucket/",
            {"location": f"s3://{missing.name}/exports/"},
            format="json",
        )

    assert answer.status_code == 202, answer.content
    job = Job.objects.get(pk=answer.json()["job"]["id"])
    assert job.kind == "exports.to_bucket"
    assert job.status == Job.Status.FAILED
    assert f"s3://{missing.name}/exports/Clinic-SFT-v1/" in job.error_report
    assert not AuditEvent.objects.filter(action="exports.version.to_bucket").exists()

    # The operator creates the bucket; the job, retried, copies the version whole.
    missing.client.create_bucket(Bucket=missing.name)
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/api/jobs/{job.pk}/retry/")
    assert retried.status_code == 202
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress_done == job.progress_total == len(approved.manifest["files"]) + 1
    _verify(missing, "exports/Clinic-SFT-v1/", approved)
    assert AuditEvent.objects.filter(action="exports.version.to_bucket").count() == 1
