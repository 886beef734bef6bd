"""The import as a Job, and the command that drives the same service from a terminal."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.jobs import job_retry, jobs_reap
from core.models import Job, Role
from dialogues.models import ImportBatch, Session
from dialogues.services import import_writer, imports
from tests.dialogues.importing import EXAM, SLEEP, jsonl, write
from tests.factories import ProjectFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def _start(project, data: bytes, **kwargs):
    user = UserFactory()
    batch = imports.import_batch_create(
        project=project, user=user, uploads=[imports.Upload("a.jsonl", io.BytesIO(data))], **kwargs
    )
    job = imports.import_batch_start(batch=batch, user=user)
    job.refresh_from_db()
    batch.refresh_from_db()
    return batch, job


def test_the_job_imports_the_batch_and_reports_its_counts(
    django_capture_on_commit_callbacks,
) -> None:
    project = ProjectFactory()
    with django_capture_on_commit_callbacks(execute=True):
        batch, job = _start(project, jsonl(EXAM, SLEEP))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.kind_label == "Session import"
    assert job.result == {
        "batch": batch.pk,
        "status": "imported",
        "created": 2,
        "duplicates": 0,
        "invalid": 0,
        "candidates": 0,
        "flags": 0,
    }
    assert batch.job == job
    assert batch.status == ImportBatch.Status.IMPORTED


def test_a_rejected_batch_fails_its_job_with_the_errors(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _batch, job = _start(ProjectFactory(), jsonl(EXAM, "{oops"))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "1 invalid records: nothing was imported" in job.error_report
    assert "a.jsonl, record 2, line 2: " in job.error_report
    assert "not valid JSON" in job.error_report
    assert job.result["invalid"] == 1
    assert Session.objects.count() == 0


def test_a_crashed_job_fails_the_batch_and_a_retry_imports_it(
    monkeypatch, django_capture_on_commit_callbacks
) -> None:
    real_write = import_writer.SessionWriter.write

    def broken(self, chunk):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(import_writer.SessionWriter, "write", broken)
    with django_capture_on_commit_callbacks(execute=True):
        batch, job = _start(ProjectFactory(), jsonl(EXAM, SLEEP))
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "the database went away" in job.error_report
    assert batch.status == ImportBatch.Status.FAILED
    assert Session.objects.count() == 0

    monkeypatch.setattr(import_writer.SessionWriter, "write", real_write)
    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job)
    job.refresh_from_db()
    batch.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 2


def test_a_killed_import_fails_its_batch_with_the_reason_and_a_retry_imports_it(
    django_capture_on_commit_callbacks,
) -> None:
    """The worker died mid-import: jobs_reap fails the job, and the batch follows it."""
    project = ProjectFactory(slug="clinic")
    batch, job = _start(project, jsonl(EXAM, SLEEP))
    # What a worker killed during the import leaves: the job and its batch running, with a
    # heartbeat long past.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(hours=2),
        updated_at=timezone.now() - timedelta(hours=1),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.RUNNING)

    assert [reaped.pk for reaped in jobs_reap()] == [job.pk]

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    lead = member(project, Role.LEAD)
    api = APIClient()
    api.force_authenticate(lead)
    detail = api.get(f"/api/imports/{batch.pk}/").json()
    assert detail["status"] == "failed"
    assert "The worker stopped" in detail["failure"]
    page = Client()
    page.force_login(lead)
    html = page.get(reverse("dialogues:batch_detail", args=[batch.pk])).content.decode()
    assert "The worker stopped" in html

    with django_capture_on_commit_callbacks(execute=True):
        job_retry(job=job)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 2
    assert api.get(f"/api/imports/{batch.pk}/").json()["failure"] == ""


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_command_imports_files_and_folders_and_ends_with_json(tmp_path, capsys) -> None:
    project = ProjectFactory(slug="clinic")
    write(tmp_path / "one.jsonl", jsonl(EXAM))
    write(tmp_path / "folder" / "zh" / "sleep.jsonl", jsonl(SLEEP))
    write(tmp_path / "folder" / ".hidden.jsonl", b"not even json")
    out = io.StringIO()
    call_command(
        "import_sessions",
        str(tmp_path / "one.jsonl"),
        str(tmp_path / "folder"),
        "--project",
        "clinic",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    counts = _last_json(out.getvalue())
    batch = ImportBatch.objects.get()
    assert counts == {"created": 2, "duplicates": 0, "invalid": 0, "batch": batch.pk}
    assert [f["name"] for f in batch.files] == ["folder/zh/sleep.jsonl", "one.jsonl"]
    assert batch.job.status == Job.Status.SUCCEEDED
    assert Session.objects.filter(project=project).count() == 2

    out = io.StringIO()
    call_command(
        "import_sessions", str(tmp_path / "one.jsonl"), "--project", "clinic", "--json", stdout=out
    )
    assert _last_json(out.getvalue())["duplicates"] == 1


def test_command_exits_non_zero_when_nothing_was_imported(tmp_path) -> None:
    ProjectFactory(slug="clinic")
    path = write(
        tmp_path / "bad.jsonl", jsonl(EXAM, {"messages": [{"role": "user", "content": 5}]})
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_sessions", str(path), "--project", "clinic", "--json", stdout=out, stderr=err
        )
    assert _last_json(out.getvalue())["invalid"] == 1
    assert "bad.jsonl, record 2, line 2: messages[0].content" in err.getvalue()
    assert Session.objects.count() == 0

    out = io.StringIO()
    call_command(
        "import_sessions", str(path), "--project", "clinic", "--skip-invalid", "--json", stdout=out
    )
    assert _last_json(out.getvalue())["created"] == 1


def test_command_refuses_unknown_projects_paths_and_formats(tmp_path) -> None:
    ProjectFactory(slug="clinic")
    path = write(tmp_path / "a.jsonl", jsonl(EXAM))
    with pytest.raises(CommandError, match="no project with the slug 'nowhere'"):
        call_command("import_sessions", str(path), "--project", "nowhere")
    with pytest.raises(CommandError, match=r"missing\.jsonl: no such file"):
        call_command("import_sessions", str(tmp_path / "missing.jsonl"), "--project", "clinic")
    with pytest.raises(CommandError, match="unknown format 'cactuss'"):
        call_command("import_sessions", str(path), "--project", "clinic", "--format", "cactuss")
    assert ImportBatch.objects.count() == 0


CPSYCOUNE = json.dumps(
    ["求助者：我最近工作压力很大。", "支持者：听起来你很辛苦，能多说一些吗？"], ensure_ascii=False
)


def test_command_keeps_the_topic_of_a_cpsycoune_file_given_on_its_own(tmp_path) -> None:
    ProjectFactory(slug="clinic")
    write(tmp_path / "Career" / "3.json", CPSYCOUNE.encode())
    write(tmp_path / "drafts" / "4.json", CPSYCOUNE.replace("工作", "学习").encode())

    call_command(
        "import_sessions",
        str(tmp_path / "Career" / "3.json"),
        str(tmp_path / "drafts" / "4.json"),
        "--project",
        "clinic",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    batch = ImportBatch.objects.get()
    assert [f["name"] for f in batch.files] == ["4.json", "Career/3.json"]
    topics = dict(Session.objects.values_list("source_id", "topic"))
    # A topic folder keeps the topic; any other folder is not a topic and stays out.
    assert topics == {"Career/3": "Career", "4": ""}


def test_skip_invalid_with_every_record_invalid_rejects_the_batch_and_exits_non_zero(
    tmp_path,
) -> None:
    """Skipping the invalid records of a file that holds nothing else imports nothing: that is
    not a success, and a script calling the command must see it."""
    ProjectFactory(slug="clinic")
    bad = {"messages": [{"role": "user", "content": 5}]}
    path = write(tmp_path / "bad.jsonl", jsonl(bad, {"messages": []}))
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_sessions",
            str(path),
            "--project",
            "clinic",
            "--skip-invalid",
            "--json",
            stdout=out,
            stderr=io.StringIO(),
        )
    result = _last_json(out.getvalue())
    assert (result["created"], result["invalid"]) == (0, 2)
    assert ImportBatch.objects.get().status == "rejected"


def test_a_command_line_import_names_the_batch_by_file_name_not_server_path(tmp_path) -> None:
    ProjectFactory(slug="clinic")
    path = write(tmp_path / "one.jsonl", jsonl(EXAM))
    call_command("import_sessions", str(path), "--project", "clinic", stdout=io.StringIO())

    batch = ImportBatch.objects.get()
    assert batch.name == "one.jsonl"
    assert str(tmp_path) not in batch.name
