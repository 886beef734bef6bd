"""The agreement and judges API for leads; reviewers are refused (blind review)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Membership, Role
from review.models import JudgeRun
from tests.factories import UserFactory
from tests.review.judge_server import (
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)
from tests.review.test_agreement_service import lenient_judge, scored_project

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def clinic():
    project, rubric, items = scored_project()
    lead, reviewer = UserFactory(username="lead"), UserFactory(username="rev")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
    config = lenient_judge(project, rubric, items)
    return {"project": project, "lead": lead, "reviewer": reviewer, "config": config}


def test_the_agreement_table_with_the_judges_alignment(clinic):
    response = api_for(clinic["lead"]).get(reverse("api_agreement", args=["clinic"]))

    assert response.status_code == 200
    body = response.json()
    assert [row["code"] for row in body["criteria"]] == ["warmth", "structure"]
    assert body["criteria"][0]["n_items"] == 8
    (judge,) = body["judges"]
    assert judge["name"] == "lenient"
    assert judge["criteria"][0]["bias"] > 0


def test_bad_filters_are_named(clinic):
    url = reverse("api_agreement", args=["clinic"])
    response = api_for(clinic["lead"]).get(url, {"since": "2026-12-01", "until": "2026-11-01"})
    assert response.status_code == 400
    assert "until" in response.json()["problems"]


def test_reviewers_are_refused_every_judge_endpoint(clinic):
    client = api_for(clinic["reviewer"])
    urls = [
        reverse("api_agreement", args=["clinic"]),
        reverse("api_judges", args=["clinic"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403
        assert "lenient" not in response.content.decode()


@pytest.mark.usefixtures("judge_key")
def test_a_lead_starts_a_run_and_follows_it(
    clinic, judge_server, django_capture_on_commit_callbacks
):
    config = clinic["config"]
    config.base_url = judge_server.url
    config.api_key_name = "test"
    config.save()
    client = api_for(clinic["lead"])

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("api_judge_run_start", args=["clinic", config.pk]))
    assert started.status_code == 202
    run = JudgeRun.objects.get(pk=started.json()["id"])

    followed = client.get(reverse("api_judge_run", args=["clinic", run.pk])).json()
    assert followed["status"] == "succeeded"
    assert followed["n_requests"] == 8
    listed = client.get(reverse("api_judges", args=["clinic"])).json()
    assert listed[0]["latest_run"]["id"] == run.pk
    assert "sk-" not in str(listed)


def test_a_run_without_its_key_is_refused_with_the_reason(clinic, settings):
    settings.JUDGE_API_KEYS = {}
    clinic["config"].api_key_name = "retired"
    clinic["config"].save()
    url = reverse("api_judge_run_start", args=["clinic", clinic["config"].pk])
    response = api_for(clinic["lead"]).post(url)
    assert response.status_code == 400
    assert "not one of the keys" in response.json()["detail"]


def test_a_large_report_is_queued_not_computed_in_the_request(
    clinic, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("review.services.agreement_cache.INLINE_LIMIT", 0)
    api = api_for(clinic["lead"])
    url = reverse("api_agreement", args=["clinic"])

    waiting = api.get(url)

    assert waiting.status_code == 202
    assert waiting.json()["kind"] == "review.agreement_refresh"
    assert waiting.json()["status"] == "queued"
    # Asking again while it is queued answers the same job, not a second one.
    assert api.get(url).json()["id"] == waiting.json()["id"]


def test_the_recompute_endpoint_queues_the_job_and_then_the_report_is_there(
    clinic, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("review.services.agreement_cache.INLINE_LIMIT", 0)
    api = api_for(clinic["lead"])

    with django_capture_on_commit_callbacks(execute=True):
        queued = api.post(reverse("api_agreement_recompute", args=["clinic"]))

    assert queued.status_code == 202
    job = api.get(reverse("api_job_detail", args=[queued.json()["id"]])).json()
    assert job["status"] == "succeeded"
    report = api.get(reverse("api_agreement", args=["clinic"]))
    assert report.status_code == 200
    assert {row["code"] for row in report.json()["criteria"]} == {"warmth", "structure"}


def test_reviewers_cannot_queue_a_recompute(clinic):
    response = api_for(clinic["reviewer"]).post(reverse("api_agreement_recompute", args=["clinic"]))

    assert response.status_code in (403, 404)
