"""Uploads in object storage: stored in the bucket as they are read, read back by a worker on
another host (another MEDIA_ROOT), with archives checked the same way as on the local disk."""

from __future__ import annotations

import hashlib
import io
import stat
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from dialogues.models import ImportBatch, Session
from dialogues.services.imports import (
    Upload,
    batch_dir,
    import_batch_create,
    import_batch_run,
)
from tests.dialogues.importing import EXAM, SLEEP, jsonl, run_import
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


class CautiousStream(io.RawIOBase):
    """An upload that refuses to be read whole: each read may take at most a few megabytes."""

    LIMIT = 8 * MB

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.largest = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.LIMIT:
            raise AssertionError(f"read({size}) would hold the upload in memory")
        self.largest = max(self.largest, size)
        return self._data.read(size)


def _zip(files: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


@pytest.fixture
def backend(storage_backend, request):
    """Each test here runs on the local disk and on the S3 test server (the bucket, or None)."""
    if storage_backend == "s3":
        return request.getfixturevalue("s3_bucket")
    return None


def test_an_upload_is_streamed_into_the_bucket_and_nothing_stays_on_the_web_hosts_disk(
    s3_bucket, settings
) -> None:
    # Larger than one part of a multipart upload, so the client sends it in parts.
    data = jsonl(EXAM) + b"\n" * (20 * MB)
    stream = CautiousStream(data)

    batch = import_batch_create(
        project=ProjectFactory(), user=None, uploads=[Upload("big/exam.jsonl", stream)]
    )

    key = f"rapport/{batch.upload_path}/big/exam.jsonl"
    assert s3_bucket.keys(f"rapport/{batch.upload_path}/") == [key]
    assert s3_bucket.read(key) == data
    assert batch.files == [
        {"name": "big/exam.jsonl", "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    ]
    assert 0 < stream.largest <= CautiousStream.LIMIT
    assert not batch_dir(batch).exists()


def test_a_worker_on_another_host_imports_an_upload_from_the_bucket(
    s3_bucket, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "web-host"
    batch = import_batch_create(
        project=ProjectFactory(),
        user=None,
        uploads=[Upload("exam.jsonl", io.BytesIO(jsonl(EXAM, SLEEP)))],
    )
    # The worker's host has its own disk, with nothing of the web host's on it.
    settings.MEDIA_ROOT = tmp_path / "worker-host"

    outcome = import_batch_run(batch_id=batch.pk)

    assert outcome.status == ImportBatch.Status.IMPORTED
    assert Session.objects.filter(batch=batch).count() == 2
    # The worker's copy went when the run ended; the bucket keeps the upload for a retry.
    assert not any((tmp_path / "worker-host").rglob("*.jsonl"))
    assert not (tmp_path / "web-host").exists()
    assert s3_bucket.keys(f"rapport/{batch.upload_path}/") == [
        f"rapport/{batch.upload_path}/exam.jsonl"
    ]


def test_archive_members_that_climb_out_or_link_are_skipped_on_either_backend(
    backend, settings, tmp_path
) -> None:
    archive = _zip(
        {"data/exam.jsonl": jsonl(EXAM), "../../escaped.jsonl": jsonl(SLEEP)},
        links={"data/passwd.jsonl": "/etc/passwd"},
    )

    batch = run_import(ProjectFactory(), [("set.zip", archive)])

    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 1
    assert batch.left_out == {"archive_members_unsafe": 2}
    assert not list(tmp_path.rglob("escaped.jsonl"))
    assert not (batch_dir(batch) / "expanded").exists()
    if backend is not None:
        assert backend.keys(f"rapport/{batch.upload_path}/") == [
            f"rapport/{batch.upload_path}/set.zip"
        ]


def test_an_archive_bomb_is_refused_the_same_way_on_either_backend(backend, settings) -> None:
    settings.IMPORT_MAX_EXPANSION_RATIO = 20
    bomb = _zip({"a.jsonl": jsonl(EXAM), "b.jsonl": jsonl(EXAM) + b" " * (40 * MB)})

    batch = run_import(ProjectFactory(), [("bomb.zip", bomb)])

    assert batch.status == ImportBatch.Status.REJECTED
    assert any("more than 20 times" in error["message"] for error in batch.errors)
    assert Session.objects.count() == 0
    assert not batch_dir(batch).exists() or not any(batch_dir(batch).rglob("*.jsonl"))


def test_a_rejected_batchs_files_are_purged_from_the_bucket(s3_bucket, settings) -> None:
    settings.IMPORT_REJECTED_RETENTION_DAYS = 7
    project = ProjectFactory()
    old = run_import(project, [("old.jsonl", jsonl(EXAM, "{oops"))])
    kept = run_import(project, [("kept.jsonl", jsonl(SLEEP))])
    ImportBatch.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))

    call_command("imports_purge", stdout=io.StringIO())

    assert s3_bucket.keys(f"rapport/{old.upload_path}/") == []
    assert s3_bucket.keys(f"rapport/{kept.upload_path}/") == [
        f"rapport/{kept.upload_path}/kept.jsonl"
    ]
