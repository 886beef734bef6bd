"""One family of refusals, answered once: what an API client gets when a service refuses, when
a model's validation refuses, and when the code has a bug."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from core.exceptions import ApplicationError, ConflictError
from core.models import Role
from tests.factories import ProjectFactory, member
from tests.review.factories import AssignmentFactory, ReviewSettingsFactory, SessionItemFactory
from tests.review.judge_server import (
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_url():
    project = ProjectFactory(slug="ward")
    rubric = RubricFactory(slug="errors-rubric", status="published")
    CriterionFactory(rubric=rubric, code="empathy", position=1)
    ReviewSettingsFactory(project=project, rubric=rubric)
    ada = member(project, Role.REVIEWER, "ada")
    item = SessionItemFactory(project=project)
    AssignmentFactory(item=item, reviewer=ada)
    client = APIClient()
    client.force_authenticate(ada)
    return client, reverse("api_review_draft", kwargs={"slug": "ward", "item_id": item.pk})


def _failing_with(monkeypatch, exc: Exception) -> None:
    def refuse(**_kwargs):
        raise exc

    monkeypatch.setattr("review.api.work.review_draft_save", refuse)


def test_a_bug_behind_the_api_answers_500_without_its_text(monkeypatch, draft_url) -> None:
    client, url = draft_url
    client.raise_request_exception = False
    _failing_with(monkeypatch, ValueError("column secret_internal_name is null"))

    response = client.put(url, {"scores": {}}, format="json")

    assert response.status_code == 500
    assert "secret_internal_name" not in response.content.decode()
    assert response.json()["detail"].startswith("Something went wrong on our side")


def test_a_bug_behind_the_api_still_reaches_error_reporting(monkeypatch, draft_url) -> None:
    client, url = draft_url
    _failing_with(monkeypatch, TypeError("unsupported operand"))

    with pytest.raises(TypeError, match="unsupported operand"):
        client.put(url, {"scores": {}}, format="json")


def test_an_application_error_nobody_catches_is_a_400_in_the_callers_language(
    monkeypatch, draft_url
) -> None:
    client, url = draft_url

    def refuse(**_kwargs):
        raise ApplicationError(_("Nothing was saved."), extra={"problems": {"comment": "x"}})

    monkeypatch.setattr("review.api.work.review_draft_save", refuse)

    response = client.put(url, {"scores": {}}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json() == {"detail": "未保存任何内容。", "problems": {"comment": "x"}}


@pytest.mark.openapi_unchecked("a made-up refusal on an endpoint whose 409s carry problems")
def test_a_conflict_error_keeps_its_status(monkeypatch, draft_url) -> None:
    client, url = draft_url
    _failing_with(monkeypatch, ConflictError("taken"))

    response = client.put(url, {"scores": {}}, format="json")

    assert (response.status_code, response.json()) == (409, {"detail": "taken"})


def test_a_django_validation_error_is_a_400_naming_its_fields(monkeypatch, draft_url) -> None:
    client, url = draft_url
    _failing_with(monkeypatch, ValidationError({"comment": ["Too long.", "Not plain text."]}))

    response = client.put(url, {"scores": {}}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Too long. Not plain text.",
        "problems": {"comment": "Too long. Not plain text."},
    }


@pytest.mark.openapi_unchecked("a made-up refusal on an endpoint whose 400s carry problems")
def test_a_django_validation_error_without_fields_is_a_detail(monkeypatch, draft_url) -> None:
    client, url = draft_url
    _failing_with(monkeypatch, ValidationError("The project is archived."))

    response = client.put(url, {"scores": {}}, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": "The project is archived."})


def test_no_refusal_of_a_service_is_also_a_value_error() -> None:
    """A ``except ValueError`` that parses a number must not swallow a refusal, nor a page's
    ``except`` of a refusal a bug: every service error is an ApplicationError and only that.

    ReviewError (review.services.reviewing) is not in the list yet: that module is being
    reworked for speed elsewhere, and the work API still catches it by name."""
    from core.buckets import BucketRefused
    from dialogues.services.flags import FlagError
    from dialogues.services.import_batches import ImportRequestError
    from exports.services.agreement import ExportRefused
    from review.services.adjudication import AdjudicationError
    from review.services.approval import ApprovalError
    from review.services.assignment import AssignmentError
    from review.services.calibration import CalibrationError
    from review.services.items import ItemError
    from review.services.projects import ProjectSetupError
    from rubrics.files import RubricFileError
    from rubrics.scoring import ScoreError

    refusals = [
        BucketRefused,
        FlagError,
        ImportRequestError,
        ExportRefused,
        AdjudicationError,
        ApprovalError,
        AssignmentError,
        CalibrationError,
        ItemError,
        ProjectSetupError,
        RubricFileError,
        ScoreError,
    ]
    assert [cls for cls in refusals if not issubclass(cls, ApplicationError)] == []
    assert [cls for cls in refusals if issubclass(cls, ValueError)] == []


def test_a_page_shows_a_services_refusal_in_the_readers_language(world) -> None:
    from dialogues.models import Flag
    from tests.conftest import client_for
    from tests.dialogues.factories import FlagFactory, SessionFactory

    session = SessionFactory(project=world.project, turns=[("client", "I cannot sleep.")])
    flag = FlagFactory(session=session, turn=session.turns.get(index=0), speaker="client")
    Flag.objects.filter(pk=flag.pk).update(status=Flag.Status.CLEARED)
    client = client_for(world.lead)

    page = client.post(
        reverse("dialogues:flag_clear", args=[flag.pk]),
        {"reason": "fine"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert page.status_code == 200
    assert "该标记已解除。" in page.content.decode()


# --- each API's refusals, now answered by the handler, keep their status and body ------------


def test_the_work_api_answers_a_slot_no_longer_yours_409_in_chinese(draft_url) -> None:
    client, url = draft_url
    skip = url.replace("/draft/", "/skip/")
    assert client.post(skip, {"reason": "I know this client."}, format="json").status_code == 204

    late = client.put(url, {"scores": {}}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert late.status_code == 409
    assert late.json() == {"detail": "你已跳过此条目；本次内容未保存。", "problems": {}}


def test_the_bucket_import_api_answers_a_refused_location_400_in_chinese(settings) -> None:
    settings.BUCKETS_ALLOWED = []
    project = ProjectFactory(slug="clinic")
    client = APIClient()
    client.force_authenticate(member(project, Role.LEAD))

    answer = client.post(
        "/api/projects/clinic/imports/bucket/",
        {"location": "file:///etc/passwd"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert answer.status_code == 400
    assert list(answer.json()) == ["detail"]
    assert "不是 Rapport 可以使用的存储桶位置" in answer.json()["detail"]


@pytest.mark.usefixtures("judge_key")
def test_the_judge_api_answers_a_run_under_way_409_in_chinese(judge_server) -> None:
    from tests.review.judge_fixtures import judge_config, judged_project

    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD)
    judged_project(project, sessions=1, pairs=0)
    config = judge_config(project, judge_server)
    client = APIClient()
    client.force_authenticate(lead)
    url = reverse("api_judge_run_start", args=["clinic", config.pk])
    assert client.post(url).status_code == 202

    second = client.post(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert second.status_code == 409
    assert list(second.json()) == ["detail"]
    assert "仍处于" in second.json()["detail"]
