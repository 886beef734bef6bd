""" "Build a new version" only queues the build; the agreement check runs in the build's job.

Measuring agreement reads every score of the projects: over 30,000 items it kept the web
request busy for half a minute. The request now answers at once with a queued version, and the
job refuses to build when a criterion is below its bar, with the reason on the version and the
job, as any other failed build.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Job, Role
from core.tokens import api_token_create
from exports.models import ExportVersion
from tests.conftest import client_for
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


@pytest.fixture
def strict(db, exports_root):
    """A lead, and a specification whose agreement bar the project's reviews do not reach."""
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    rubric = published_rubric()
    for n in range(8):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Client speech {n} about worry."), ("counselor", f"Reply {n}.")],
        )
    specification = ExportSpecificationFactory(projects=[project], min_agreement={"empathy": "0.9"})
    return lead, specification


def _settled(version: ExportVersion) -> tuple[ExportVersion, Job]:
    version.refresh_from_db()
    job = Job.objects.get(pk=version.job_id)
    return version, job


def test_the_page_queues_the_build_and_the_job_records_the_agreement_refusal(
    strict, django_capture_on_commit_callbacks
):
    lead, specification = strict
    url = reverse("exports:version_build", kwargs={"specification_id": specification.pk})

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_for(lead).post(url, follow=True)

    # The request answered with a version waiting for a worker: nothing was measured yet.
    version = ExportVersion.objects.get(specification=specification)
    assert version.status == ExportVersion.Status.BUILDING
    assert Job.objects.get(pk=version.job_id).status == Job.Status.QUEUED
    assert response.redirect_chain[-1][0] == reverse(
        "exports:version_detail", kwargs={"version_id": version.pk}
    )
    assert "Agreement is too low" not in response.content.decode()

    for send in queued:  # the worker runs the job
        send()

    version, job = _settled(version)
    assert version.status == ExportVersion.Status.FAILED
    assert "empathy: alpha" in version.error
    assert "0.90" in version.error
    assert job.status == Job.Status.FAILED
    assert "Agreement is too low" in job.error_report
    page = client_for(lead).get(
        reverse("exports:version_detail", kwargs={"version_id": version.pk})
    )
    assert "empathy: alpha" in page.content.decode()


def test_the_api_answers_202_and_the_job_records_the_agreement_refusal(
    strict, django_capture_on_commit_callbacks
):
    lead, specification = strict
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=lead)[1]}")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/export-specifications/{specification.pk}/build/")

    assert response.status_code == 202
    version, job = _settled(ExportVersion.objects.get(pk=response.json()["id"]))
    assert version.status == ExportVersion.Status.FAILED
    assert job.status == Job.Status.FAILED
    assert "empathy: alpha" in job.error_report
    shown = client.get(f"/api/exports/{version.pk}/").json()
    assert shown["status"] == "failed"
    assert "empathy: alpha" in shown["error"]


def test_a_failed_build_offers_its_lead_a_retry_that_builds_the_version_again(
    strict, django_capture_on_commit_callbacks
):
    lead, specification = strict
    url = reverse("exports:version_build", kwargs={"specification_id": specification.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client_for(lead).post(url)
    version, job = _settled(ExportVersion.objects.get(specification=specification))
    assert version.status == ExportVersion.Status.FAILED
    page_url = reverse("exports:version_detail", kwargs={"version_id": version.pk})

    page = client_for(lead).get(page_url).content.decode()

    retry = reverse("core:job_retry", args=[job.pk])
    assert f'action="{retry}"' in page
    with django_capture_on_commit_callbacks(execute=False):
        client_for(lead).post(retry)
    version, job = _settled(version)
    assert version.status == ExportVersion.Status.BUILDING
    assert job.status == Job.Status.QUEUED
