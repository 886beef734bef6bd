"""The OpenAPI schema at /api/schema/ tells a client every answer it can get: the fields that
may be null say so, every reference resolves, and the refusals (401, 403, 404, ...) are declared
next to the successes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Role
from dialogues.models import ImportBatch
from rubrics.models import Rubric
from tests.factories import JobFactory, ProjectFactory, member
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db

BODY_METHODS = {"post", "put", "patch"}


@pytest.fixture
def lead():
    return member(ProjectFactory(slug="clinic"), Role.LEAD, "lead")


@pytest.fixture
def schema(lead) -> dict[str, Any]:
    client = APIClient()
    client.force_authenticate(lead)
    return client.get(reverse("api_schema"), {"format": "json"}).json()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _operations(schema: dict[str, Any]):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _refs(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_in_the_schema_resolves(schema) -> None:
    """A review's scores pointed at a ScoreOut component the schema never defined."""
    components = schema["components"]["schemas"]
    missing = {
        ref for ref in _refs(schema) if ref.removeprefix("#/components/schemas/") not in components
    }
    assert missing == set()


def test_a_job_nobody_started_answers_a_null_starter_that_the_schema_allows(lead, schema) -> None:
    job = JobFactory(project=lead.memberships.get().project, started_by=None)

    body = _api(lead).get(f"/api/jobs/{job.pk}/")

    assert body.status_code == 200, body.content
    assert body.json()["started_by"] is None
    assert schema["components"]["schemas"]["Job"]["properties"]["started_by"]["nullable"] is True


def test_a_batch_whose_creator_is_gone_is_described_as_nullable(lead, schema) -> None:
    project = lead.memberships.get().project
    batch = ImportBatch.objects.create(project=project, name="old.jsonl", created_by=None)

    body = _api(lead).get(f"/api/imports/{batch.pk}/")

    assert body.status_code == 200, body.content
    assert body.json()["created_by"] is None
    for name in ("ImportBatch", "ImportBatchDetail"):
        assert schema["components"]["schemas"][name]["properties"]["created_by"]["nullable"]


def test_a_batch_without_a_job_is_described_as_nullable(lead, schema) -> None:
    """Batches created before jobs existed, or whose job was removed, have none."""
    project = lead.memberships.get().project
    batch = ImportBatch.objects.create(project=project, name="old.jsonl", created_by=lead)

    body = _api(lead).get("/api/projects/clinic/imports/").json()

    assert [row["job"] for row in body["results"] if row["id"] == batch.pk] == [None]
    for name in ("ImportBatch", "ImportBatchDetail"):
        assert schema["components"]["schemas"][name]["properties"]["job"]["nullable"]


def test_a_criterion_outside_any_group_is_described_as_nullable(lead, schema) -> None:
    rubric = RubricFactory(slug="plain", status=Rubric.Status.PUBLISHED)
    CriterionFactory(rubric=rubric, group=None)
    response = _api(lead).get(f"/api/rubrics/{rubric.slug}/versions/{rubric.version}/")
    assert response.status_code == 200, response.content
    body = response.json()

    assert None in [criterion["group"] for criterion in body["criteria"]]
    assert schema["components"]["schemas"]["Criterion"]["properties"]["group"]["nullable"]


def test_every_operation_declares_its_refusals(schema) -> None:
    """Signed out is 401; a role without the right (or a form without its CSRF token) is 403;
    an object outside the caller's projects, or a page past the end of a list, is 404; a body
    that does not parse or validate is 400."""
    undeclared = []
    for path, method, operation in _operations(schema):
        expected = {"403"}
        if path != "/api/auth/token/":
            expected.add("401")
        if "{" in path or any(p["name"] == "page" for p in operation.get("parameters", [])):
            expected.add("404")
        if method in BODY_METHODS and "requestBody" in operation:
            expected |= {"400", "415"}
        missing = expected - set(operation["responses"])
        if missing:
            undeclared.append((method.upper(), path, sorted(missing)))
    assert undeclared == []


def test_a_refusal_is_described_as_a_json_error_with_a_detail(schema) -> None:
    operation = schema["paths"]["/api/jobs/{job_id}/"]["get"]
    content = operation["responses"]["404"]["content"]["application/json"]["schema"]
    assert content == {"$ref": "#/components/schemas/Error"}
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    assert error["properties"]["detail"]["type"] == "string"


def test_the_token_endpoint_declares_its_bad_request_and_throttle(schema) -> None:
    responses = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(responses)


def test_an_api_url_that_matches_no_route_is_a_json_404(lead) -> None:
    response = _api(lead).get("/api/rubrics/cbt-llm/versions/not-a-number/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_a_multipart_body_without_a_boundary_is_a_json_400(lead) -> None:
    response = _api(lead).generic(
        "POST",
        "/api/projects/clinic/imports/",
        data=b"\x00",
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "multipart" in response.json()["detail"]
    assert ImportBatch.objects.count() == 0
