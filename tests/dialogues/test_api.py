"""The API: start an import with a file and get its Job; read batches and sessions."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.models import Job, Role
from dialogues.models import ImportBatch
from tests.dialogues.factories import CandidateFactory, FlagFactory, SessionFactory
from tests.dialogues.importing import EXAM, SLEEP, jsonl, run_import
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return ProjectFactory(slug="clinic")


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_posting_a_file_starts_an_import_and_returns_its_job(
    project, django_capture_on_commit_callbacks
) -> None:
    lead = member(project, Role.LEAD)
    client = _api(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/projects/clinic/imports/",
            {"files": [SimpleUploadedFile("a.jsonl", jsonl(EXAM, SLEEP))], "skip_invalid": "true"},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["batch"]["name"] == "a.jsonl"
    assert body["batch"]["skip_invalid"] is True
    job = Job.objects.get(pk=body["job"]["id"])
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["created"] == 2

    detail = client.get(f"/api/imports/{body['batch']['id']}/").json()
    assert (detail["status"], detail["sessions_created"], detail["error_report"]) == (
        "imported",
        2,
        [],
    )
    listing = client.get("/api/projects/clinic/imports/").json()
    assert [batch["id"] for batch in listing["results"]] == [body["batch"]["id"]]


def test_an_import_without_a_file_or_with_an_unknown_format_is_a_400(project) -> None:
    client = _api(member(project, Role.LEAD))
    assert client.post("/api/projects/clinic/imports/", {}, format="multipart").status_code == 400
    response = client.post(
        "/api/projects/clinic/imports/",
        {"files": [SimpleUploadedFile("a.jsonl", jsonl(EXAM))], "format": "nope"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "format" in response.json()
    assert ImportBatch.objects.count() == 0


def test_only_leads_of_the_project_may_import(project) -> None:
    upload = {"files": [SimpleUploadedFile("a.jsonl", jsonl(EXAM))]}
    reviewer = member(project, Role.REVIEWER)
    outsider = member(ProjectFactory(), Role.LEAD)
    assert (
        _api(reviewer).post("/api/projects/clinic/imports/", upload, format="multipart").status_code
        == 403
    )
    upload = {"files": [SimpleUploadedFile("a.jsonl", jsonl(EXAM))]}
    assert (
        _api(outsider).post("/api/projects/clinic/imports/", upload, format="multipart").status_code
        == 404
    )
    assert ImportBatch.objects.count() == 0


def test_a_rejected_batch_reports_its_errors(project) -> None:
    client = _api(member(project, Role.LEAD))
    batch = run_import(project, [("bad.jsonl", jsonl(EXAM, "{nope"))])
    detail = client.get(f"/api/imports/{batch.pk}/").json()
    assert detail["status"] == "rejected"
    (error,) = detail["error_report"]
    assert (error["file"], error["line"], error["record"]) == ("bad.jsonl", 2, 2)


def test_sessions_list_with_filters_and_detail_with_everything(project) -> None:
    client = _api(member(project, Role.LEAD))
    run_import(project, [("a.jsonl", jsonl(EXAM, SLEEP))])
    body = client.get("/api/projects/clinic/sessions/", {"language": "zh"}).json()
    assert [s["source_id"] for s in body["results"]] == ["sleep-1"]
    assert body["results"][0]["open_flags"] == 0
    assert client.get("/api/projects/clinic/sessions/", {"q": "exams"}).json()["count"] == 1

    session = SessionFactory(project=project, turns=[("client", "I feel alone.")])
    CandidateFactory(session=session, key="chosen", text="You are not alone.")
    FlagFactory(session=session, turn=session.turns.get(), matched_text="alone", start=7, end=12)
    detail = client.get(f"/api/sessions/{session.pk}/").json()
    assert [t["text"] for t in detail["turns"]] == ["I feel alone."]
    assert detail["candidates"][0]["key"] == "chosen"
    assert detail["flags"][0]["matched_text"] == "alone"


def test_the_sessions_list_says_while_the_search_index_is_building(project) -> None:
    """Sessions an import has committed but not yet indexed are searched all the same, and the
    answer says the index is building, as the page does; never silently partial."""
    import io

    from dialogues.services.imports import Upload, import_batch_create, import_batch_run
    from dialogues.services.search import search_documents_build

    client = _api(member(project, Role.LEAD))
    run_import(project, [("a.jsonl", jsonl(EXAM))])
    batch = import_batch_create(
        project=project, user=None, uploads=[Upload("b.jsonl", io.BytesIO(jsonl(SLEEP)))]
    )
    import_batch_run(batch_id=batch.pk, build_search=False)

    body = client.get("/api/projects/clinic/sessions/", {"q": "睡不着"}).json()
    assert [s["source_id"] for s in body["results"]] == ["sleep-1"]
    assert body["search_index_building"] is True

    search_documents_build(batch_id=batch.pk)
    body = client.get("/api/projects/clinic/sessions/", {"q": "睡不着"}).json()
    assert [s["source_id"] for s in body["results"]] == ["sleep-1"]
    assert body["search_index_building"] is False

    schema = client.get("/api/schema/", {"format": "json"}).json()
    listing = schema["components"]["schemas"]["PaginatedSessionList"]
    assert listing["properties"]["search_index_building"]["type"] == "boolean"
    assert "search_index_building" in listing["required"]


# --- upload sizes -----------------------------------------------------------------------------


def _sessions_file(path, *, size: int) -> None:
    """A JSONL file of distinct short sessions, at least ``size`` bytes."""
    with path.open("wb") as out:
        written = number = 0
        while written < size:
            number += 1
            line = jsonl(
                {
                    "id": f"s-{number}",
                    "messages": [
                        {"role": "user", "content": f"Session {number}: I cannot sleep."},
                        {"role": "assistant", "content": "What keeps you awake at night?"},
                    ],
                }
            )
            out.write(line)
            written += len(line)


@pytest.mark.parametrize("size", [1024, 6 * 1024 * 1024], ids=["1KB", "6MB"])
def test_an_upload_of_any_size_starts_an_import(
    project, tmp_path, size, django_capture_on_commit_callbacks
) -> None:
    """Django keeps an upload over FILE_UPLOAD_MAX_MEMORY_SIZE (5 MB) in a temporary file on
    disk; the API copied the request data with its files, and a temporary file cannot be
    copied, so every such upload was a 500."""
    path = tmp_path / "big.jsonl"
    _sessions_file(path, size=size)
    lines = path.read_bytes().count(b"\n")
    client = _api(member(project, Role.LEAD))
    with path.open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/projects/clinic/imports/",
            {"files": [upload], "format": "messages"},
            format="multipart",
        )
    assert response.status_code == 202, response.content[:500]
    detail = client.get(f"/api/imports/{response.json()['batch']['id']}/").json()
    assert (detail["status"], detail["sessions_created"]) == ("imported", lines)


def test_an_import_with_no_body_at_all_is_a_400_naming_the_files_field(project) -> None:
    client = _api(member(project, Role.LEAD))
    response = client.generic("POST", "/api/projects/clinic/imports/")
    assert response.status_code == 400
    assert "files" in response.json()
    assert ImportBatch.objects.count() == 0


def test_an_api_upload_of_hundreds_of_files_starts_an_import(
    project, django_capture_on_commit_callbacks
) -> None:
    files = [
        SimpleUploadedFile(
            f"{number}.jsonl",
            jsonl({"messages": [{"role": "user", "content": f"Day {number}: I feel tense."}]}),
        )
        for number in range(150)
    ]
    client = _api(member(project, Role.LEAD))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/projects/clinic/imports/", {"files": files}, format="multipart"
        )
    assert response.status_code == 202, response.content[:300]
    batch = response.json()["batch"]
    assert len(batch["files"]) == 150
    detail = client.get(f"/api/imports/{batch['id']}/").json()
    assert (detail["status"], detail["sessions_created"]) == ("imported", 150)


def test_an_api_upload_over_the_file_limit_is_a_400_that_says_to_send_an_archive(
    project, settings
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 20
    files = [SimpleUploadedFile(f"{number}.jsonl", jsonl(EXAM)) for number in range(21)]
    response = _api(member(project, Role.LEAD)).post(
        "/api/projects/clinic/imports/", {"files": files}, format="multipart"
    )
    assert response.status_code == 400
    assert "archive" in response.json()["detail"]
    assert ImportBatch.objects.count() == 0
