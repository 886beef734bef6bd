"""Exports in object storage: built into the bucket with the manifest last, checksums that
verify against the bucket, downloads through Rapport (streamed, or a presigned URL handed out
only after the access check and the audit event), and a dead build that leaves nothing served."""

from __future__ import annotations

import hashlib
import io
import json
import urllib.request
import zipfile
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import storage
from core.models import AuditEvent, Role
from core.tokens import api_token_create
from exports.models import ExportVersion
from exports.services import building
from exports.services.building import export_version_approve, export_version_build
from tests.conftest import client_for
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


@pytest.fixture
def people(db):
    project = ProjectFactory(slug="clinic")
    return {
        "project": project,
        "lead": member(project, Role.LEAD, "lead"),
        "trainer": member(project, Role.TRAINER, "trainer"),
    }


@pytest.fixture
def specification(people):
    rubric = published_rubric()
    for n in range(8):
        approved_session(
            project=people["project"],
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Client speech {n} about worry."), ("counselor", f"Reply {n}.")],
        )
    return ExportSpecificationFactory(projects=[people["project"]], name="Clinic SFT")


@pytest.fixture
def approved(s3_bucket, people, specification, build):
    version = build(specification, people["lead"])
    assert version.status == ExportVersion.Status.BUILT, version.error
    version = export_version_approve(version=version, user=people["lead"])
    version.refresh_from_db()
    return version


def _prefix(bucket, version) -> str:
    return f"{bucket.prefix}/exports/{version.folder}/"


def test_an_export_is_built_into_the_bucket_and_its_manifest_verifies_against_it(
    s3_bucket, approved, exports_root
) -> None:
    prefix = _prefix(s3_bucket, approved)
    stored = {key[len(prefix) :] for key in s3_bucket.keys(prefix)}
    manifest = json.loads(s3_bucket.read(prefix + "manifest.json"))

    assert manifest == approved.manifest
    assert stored == {entry["path"] for entry in manifest["files"]} | {"manifest.json"}
    assert {"README.md", "data/train.jsonl", "provenance/train.jsonl"} <= stored
    for entry in manifest["files"]:
        data = s3_bucket.read(prefix + entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
        assert len(data) == entry["bytes"]
    # Nothing of the export on the worker's disk: the bucket is where it lives.
    assert not exports_root.exists() or not any(exports_root.rglob("*.jsonl"))
    # The lead's page still shows sample rows, read from the build before it was uploaded.
    assert approved.summary["samples"]["train"]


def test_a_trainer_downloads_a_file_and_the_archive_streamed_from_the_bucket(
    s3_bucket, approved, people
) -> None:
    trainer = client_for(people["trainer"])
    prefix = _prefix(s3_bucket, approved)

    single = trainer.get(reverse("exports:version_file", args=[approved.pk, "data/train.jsonl"]))
    archive = trainer.get(reverse("exports:version_archive", args=[approved.pk]))

    assert single.status_code == 200
    assert single.streaming
    assert b"".join(single.streaming_content) == s3_bucket.read(prefix + "data/train.jsonl")
    assert 'filename="train.jsonl"' in single["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as opened:
        names = {name.split("/", 1)[1]: name for name in opened.namelist()}
        for entry in approved.manifest["files"]:
            assert opened.read(names[entry["path"]]) == s3_bucket.read(prefix + entry["path"])
    events = AuditEvent.objects.filter(action="exports.download", actor=people["trainer"])
    assert sorted(event.after["file"] for event in events) == [
        "Clinic-SFT-v1.zip",
        "data/train.jsonl",
    ]


def test_a_presigned_download_is_issued_only_after_the_check_and_the_audit_event(
    s3_bucket, approved, people, settings
) -> None:
    settings.EXPORT_DOWNLOAD = "presigned"
    settings.EXPORT_PRESIGNED_SECONDS = 120
    url = reverse("exports:version_file", args=[approved.pk, "data/train.jsonl"])
    outsider = member(ProjectFactory(slug="elsewhere"), Role.TRAINER, "stranger")
    reviewer = member(people["project"], Role.REVIEWER, "reviewer")

    refused = [client_for(user).get(url).status_code for user in (outsider, reviewer)]
    answer = client_for(people["trainer"]).get(url)

    assert refused == [404, 403]
    assert answer.status_code == 302
    location = answer["Location"]
    assert location.startswith(s3_bucket.endpoint)
    assert parse_qs(urlparse(location).query)["X-Amz-Expires"] == ["120"]
    with urllib.request.urlopen(location, timeout=10) as response:  # noqa: S310
        body = response.read()
        disposition = response.headers["Content-Disposition"]
    assert body == s3_bucket.read(_prefix(s3_bucket, approved) + "data/train.jsonl")
    assert disposition == 'attachment; filename="train.jsonl"'
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=people['trainer'])[1]}")
    by_api = api.get(f"/api/exports/{approved.pk}/files/data/train.jsonl")
    assert by_api.status_code == 302
    assert by_api["Location"].startswith(s3_bucket.endpoint)
    events = AuditEvent.objects.filter(action="exports.download").order_by("pk")
    assert [(event.actor, event.after["file"], event.after["via"]) for event in events] == [
        (people["trainer"], "data/train.jsonl", "browser"),
        (people["trainer"], "data/train.jsonl", "api"),
    ]


class WorkerDied(BaseException):
    """Stands in for a killed process: nothing after it runs, no cleanup either."""


def test_a_build_that_dies_mid_upload_serves_nothing_and_its_retry_uploads_whole(
    s3_bucket, people, specification, build, monkeypatch
) -> None:
    saved = storage.stream_save
    uploads: list[str] = []

    def die_before_the_manifest(target, key, stream):
        if key.endswith("manifest.json"):
            raise WorkerDied
        uploads.append(key)
        return saved(target, key, stream)

    monkeypatch.setattr(storage, "stream_save", die_before_the_manifest)
    with pytest.raises(WorkerDied):
        build(specification, people["lead"])
    version = ExportVersion.objects.get()
    prefix = _prefix(s3_bucket, version)
    left = s3_bucket.keys(prefix)
    # The dead attempt's data files are there, but no manifest: nobody can take it as an export,
    # and Rapport serves nothing of a version that is not built.
    assert left
    assert uploads
    assert prefix + "manifest.json" not in left
    assert version.status == ExportVersion.Status.BUILDING
    trainer = client_for(people["trainer"])
    assert trainer.get(reverse("exports:version_archive", args=[version.pk])).status_code == 404
    monkeypatch.setattr(storage, "stream_save", saved)
    # A stray file under the prefix (a half-finished attempt of another kind) goes as well.
    s3_bucket.put(prefix + "data/stray.jsonl", b"{}\n")

    export_version_build(version=version)

    version.refresh_from_db()
    assert version.status == ExportVersion.Status.BUILT
    stored = {key[len(prefix) :] for key in s3_bucket.keys(prefix)}
    assert stored == {entry["path"] for entry in version.manifest["files"]} | {"manifest.json"}
    for entry in version.manifest["files"]:
        data = s3_bucket.read(prefix + entry["path"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_a_build_killed_inside_a_file_leaves_no_unfinished_upload_after_its_retry(
    s3_bucket, people, specification, build, monkeypatch
) -> None:
    """A worker killed while a large file is half sent leaves a multipart upload behind:
    invisible to readers but stored (and billed) until it is aborted. The redelivered build
    aborts it with the rest of the dead attempt."""

    def die_inside_the_first_file(target, key, stream):
        writer = storage.StoredWriter(target, key)
        writer.write(b"x" * storage.PART)  # one part sent, the upload never completed
        raise WorkerDied

    monkeypatch.setattr(storage, "stream_save", die_inside_the_first_file)
    with pytest.raises(WorkerDied):
        build(specification, people["lead"])
    monkeypatch.undo()
    version = ExportVersion.objects.get()
    prefix = _prefix(s3_bucket, version)

    def unfinished() -> list[str]:
        answer = s3_bucket.client.list_multipart_uploads(Bucket=s3_bucket.name, Prefix=prefix)
        return [upload["Key"] for upload in answer.get("Uploads", [])]

    assert s3_bucket.keys(prefix) == []
    assert len(unfinished()) == 1

    export_version_build(version=version)

    version.refresh_from_db()
    assert version.status == ExportVersion.Status.BUILT
    assert unfinished() == []
    assert prefix + "manifest.json" in s3_bucket.keys(prefix)


def test_a_failed_upload_marks_the_version_failed_and_leaves_nothing_in_the_bucket(
    s3_bucket, people, specification, build, monkeypatch
) -> None:
    saved = storage.stream_save

    def fail_on_the_card(target, key, stream):
        if key.endswith("README.md"):
            raise OSError("the bucket refused the upload")
        return saved(target, key, stream)

    monkeypatch.setattr(storage, "stream_save", fail_on_the_card)
    version = build(specification, people["lead"])

    assert version.status == ExportVersion.Status.FAILED
    assert "refused the upload" in version.error
    assert s3_bucket.keys(_prefix(s3_bucket, version)) == []
    assert not list(building.Path(building.settings.MEDIA_ROOT).glob("exports-work/*"))
