"""Every answer a test's client gets from /api/ is checked against the OpenAPI schema
(tests/openapi.py). These tests break an answer on purpose and expect the check to refuse it,
naming the path, the status and what does not match."""

from __future__ import annotations

import pytest
from django.http import JsonResponse
from rest_framework.test import APIClient

from core import apis
from core.models import Role
from core.serializers import JobSerializer
from tests.factories import JobFactory, ProjectFactory, member
from tests.openapi import OpenAPIMismatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_client():
    lead = member(ProjectFactory(slug="clinic"), Role.LEAD, "lead")
    client = APIClient()
    client.force_authenticate(lead)
    return client, lead


def test_a_field_of_the_wrong_type_fails_naming_path_status_and_field(
    lead_client, monkeypatch
) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)
    original = JobSerializer.to_representation

    def wrong(self, instance):  # type: ignore[no-untyped-def]
        return {**original(self, instance), "progress_done": "many"}

    monkeypatch.setattr(JobSerializer, "to_representation", wrong)

    with pytest.raises(OpenAPIMismatch) as caught:
        client.get(f"/api/jobs/{job.pk}/")

    message = str(caught.value)
    assert f"GET /api/jobs/{job.pk}/" in message
    assert "200" in message
    assert "progress_done" in message


def test_a_missing_required_field_fails(lead_client, monkeypatch) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)
    original = JobSerializer.to_representation

    def missing(self, instance):  # type: ignore[no-untyped-def]
        body = original(self, instance)
        del body["status"]
        return body

    monkeypatch.setattr(JobSerializer, "to_representation", missing)

    with pytest.raises(OpenAPIMismatch, match="status"):
        client.get(f"/api/jobs/{job.pk}/")


def test_a_status_code_the_schema_does_not_declare_fails(lead_client, monkeypatch) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)

    def teapot(self, request, job_id):  # type: ignore[no-untyped-def]
        return JsonResponse({"detail": "short and stout"}, status=418)

    monkeypatch.setattr(apis.JobDetailApi, "get", teapot)

    with pytest.raises(OpenAPIMismatch, match="418"):
        client.get(f"/api/jobs/{job.pk}/")


def test_a_right_answer_passes(lead_client) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)

    assert client.get(f"/api/jobs/{job.pk}/").status_code == 200


@pytest.mark.openapi_unchecked("checks that the marker turns the check off")
def test_the_marker_lets_a_deliberately_wrong_answer_through(lead_client, monkeypatch) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)
    monkeypatch.setattr(JobSerializer, "to_representation", lambda self, instance: {})

    assert client.get(f"/api/jobs/{job.pk}/").json() == {}


def test_a_method_the_path_does_not_offer_may_be_refused(lead_client) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)

    # The schema has GET only for a job; a POST is refused, and the refusal is not a mismatch.
    assert client.post(f"/api/jobs/{job.pk}/").status_code == 405
    assert APIClient().post(f"/api/jobs/{job.pk}/").status_code in (401, 403)


def test_a_method_the_path_does_not_offer_that_succeeds_fails(lead_client, monkeypatch) -> None:
    client, lead = lead_client
    job = JobFactory(project=lead.memberships.get().project, started_by=lead)

    def accepted(self, request, job_id):  # type: ignore[no-untyped-def]
        return JsonResponse({}, status=200)

    monkeypatch.setattr(apis.JobDetailApi, "post", accepted, raising=False)

    with pytest.raises(OpenAPIMismatch, match="no such operation on this path"):
        client.post(f"/api/jobs/{job.pk}/")
