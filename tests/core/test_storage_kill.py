"""A process killed with SIGKILL while it uploads to the bucket writes nothing half, and a
retry writes it whole: an upload (the web side) and an export build (the worker side).

Each child is a separate Python process with the operator's S3 settings in its environment,
on its own MEDIA_ROOT (another host's disk), reaching the test database and the S3 test
server. It runs the real service; its harness only slows the stream down at a chosen point
and says so through a marker file, so that the kill lands in the middle of the upload.
"""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from dialogues.models import ImportBatch, Session
from dialogues.services.imports import (
    Upload,
    import_batch_create,
    import_batch_run,
    orphan_uploads_purge,
)
from exports.models import ExportVersion
from exports.services.building import export_version_build
from tests.conftest import client_for
from tests.dialogues.importing import EXAM, jsonl
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member
from tests.s3 import s3_settings

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The killed child opens the test database itself; SQLite's test database lives in the
    # test process's memory, out of its reach. CI runs these on PostgreSQL.
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="the killed child needs a shared database server"
    ),
]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _child(code: str, bucket, marker: Path, extra: dict | None = None) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **s3_settings(bucket),
        "DJANGO_SETTINGS_MODULE": "tests.core.worker_settings",
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        # Another host: its own MEDIA_ROOT under var/, never this process's.
        "PYTEST_XDIST_WORKER": f"killed-{os.getpid()}",
        "MARKER": str(marker),
        **(extra or {}),
    }
    prelude = textwrap.dedent(
        """
        import os, pathlib, time, django
        django.setup()
        def reached():
            pathlib.Path(os.environ["MARKER"]).write_text("here")
            time.sleep(120)
        """
    )
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_when_reached(process: subprocess.Popen[bytes], marker: Path) -> None:
    deadline = time.monotonic() + 90
    while not marker.exists():
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode()[-3000:])  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the child never reached the upload"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def test_an_upload_killed_mid_transfer_leaves_no_batch_and_a_retry_stores_it_whole(
    s3_bucket, tmp_path
) -> None:
    project = ProjectFactory(slug="clinic")
    # One record, then a line of spaces that readers skip at once: 12 MB that import fast.
    data = jsonl(EXAM) + b" " * (12 * MB) + b"\n"
    marker = tmp_path / "reached"
    # The child sends 12 MB in parts of 8 MB and stops for good once the first part is read.
    child = _child(
        """
        import io
        from core import storage
        from core.models import Project
        from dialogues.services.imports import Upload, import_batch_create
        from tests.dialogues.importing import EXAM, jsonl

        class Slow(io.RawIOBase):
            def __init__(self, data):
                self.data, self.sent = io.BytesIO(data), 0
            def readable(self):
                return True
            def read(self, size=-1):
                if self.sent >= 9 * 1024 * 1024:
                    # Killed only once the bucket has begun the multipart upload.
                    uploads = storage.uploads_storage()
                    client = uploads.connection.meta.client
                    for _ in range(200):
                        if client.list_multipart_uploads(Bucket=uploads.bucket_name).get("Uploads"):
                            break
                        time.sleep(0.05)
                    reached()
                block = self.data.read(size)
                self.sent += len(block)
                return block

        data = jsonl(EXAM) + b" " * (12 * 1024 * 1024) + b"\\n"
        import_batch_create(
            project=Project.objects.get(slug="clinic"), user=None,
            uploads=[Upload("exam.jsonl", Slow(data))],
        )
        """,
        s3_bucket,
        marker,
    )
    _kill_when_reached(child, marker)

    # Nothing half: no batch for a lead to see, no object in the bucket; only the parts of an
    # unfinished multipart upload, which S3 never shows as an object.
    assert ImportBatch.objects.count() == 0
    assert s3_bucket.keys("rapport/imports/") == []
    unfinished = s3_bucket.client.list_multipart_uploads(Bucket=s3_bucket.name)
    assert [u["Key"].rsplit("/", 1)[1] for u in unfinished.get("Uploads", [])] == ["exam.jsonl"]

    # The retry: the same file uploaded again goes in whole and imports.
    batch = import_batch_create(
        project=project, user=None, uploads=[Upload("exam.jsonl", io.BytesIO(data))]
    )
    assert import_batch_run(batch_id=batch.pk).status == ImportBatch.Status.IMPORTED
    assert Session.objects.filter(batch=batch).count() == 1
    (key,) = s3_bucket.keys("rapport/imports/")
    assert hashlib.sha256(s3_bucket.read(key)).hexdigest() == batch.files[0]["sha256"]

    # The purge later aborts the dead upload's parts and keeps the batch's files.
    assert orphan_uploads_purge(older_than=timedelta(0)) == 0
    assert s3_bucket.client.list_multipart_uploads(Bucket=s3_bucket.name).get("Uploads", []) == []
    assert s3_bucket.keys("rapport/imports/") == [key]


def test_an_export_build_killed_mid_upload_serves_nothing_and_its_retry_is_whole(
    s3_bucket, tmp_path
) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    trainer = member(project, Role.TRAINER, "trainer")
    rubric = published_rubric()
    for n in range(6):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Worry number {n} keeps me awake."), ("counselor", f"Reply {n}.")],
        )
    specification = ExportSpecificationFactory(projects=[project])
    version = ExportVersion.objects.create(
        specification=specification,
        number=1,
        folder=f"spec-{specification.pk}/v1-killed",
        created_by=lead,
    )
    marker = tmp_path / "reached"
    # The worker dies once two files are in the bucket, before the manifest.
    child = _child(
        f"""
        from core import storage
        from exports.models import ExportVersion
        from exports.services.building import export_version_build

        saved, count = storage.stream_save, []
        def slow(target, key, stream):
            if len(count) == 2:
                reached()
            count.append(key)
            return saved(target, key, stream)
        storage.stream_save = slow
        export_version_build(version=ExportVersion.objects.get(pk={version.pk}))
        """,
        s3_bucket,
        marker,
    )
    _kill_when_reached(child, marker)

    prefix = f"rapport/exports/{version.folder}/"
    left = s3_bucket.keys(prefix)
    assert len(left) == 2
    assert prefix + "manifest.json" not in left
    version.refresh_from_db()
    assert version.status == ExportVersion.Status.BUILDING
    assert (
        client_for(trainer).get(reverse("exports:version_archive", args=[version.pk])).status_code
        == 404
    )

    # Delivered again (here in this process, as another worker would): whole, and verified.
    export_version_build(version=version)

    version.refresh_from_db()
    assert version.status == ExportVersion.Status.BUILT
    stored = {key[len(prefix) :] for key in s3_bucket.keys(prefix)}
    assert stored == {e["path"] for e in version.manifest["files"]} | {"manifest.json"}
    for entry in version.manifest["files"]:
        assert hashlib.sha256(s3_bucket.read(prefix + entry["path"])).hexdigest() == entry["sha256"]


def test_a_copy_to_a_bucket_killed_mid_upload_leaves_no_manifest_and_its_retry_is_whole(
    s3_bucket, tmp_path, settings
) -> None:
    from core.jobs import job_retry
    from core.models import Job
    from exports.services.building import export_version_approve
    from exports.services.pushes import export_version_to_bucket_start
    from tests.s3 import new_bucket

    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    rubric = published_rubric()
    for n in range(6):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Worry number {n} keeps me awake."), ("counselor", f"Reply {n}.")],
        )
    specification = ExportSpecificationFactory(projects=[project], name="Clinic SFT")
    version = ExportVersion.objects.create(
        specification=specification, number=1, folder=f"spec-{specification.pk}/v1", created_by=lead
    )
    export_version_build(version=version)
    version.refresh_from_db()
    export_version_approve(version=version, user=lead)
    version.refresh_from_db()
    training = new_bucket(s3_bucket.endpoint)
    settings.BUCKETS_ALLOWED = [f"{training.name}/exports"]
    _uri, job = export_version_to_bucket_start(
        version=version, user=lead, location=f"s3://{training.name}/exports/", queue=False
    )
    marker = tmp_path / "reached"
    # The worker dies once two files are in the training bucket, before the manifest.
    child = _child(
        f"""
        from core import buckets
        from core.jobs import run_job
        from exports.services import pushes
        from exports.tasks import export_to_bucket_body

        write, count = buckets.bucket_write, []
        def slow(**kwargs):
            if len(count) == 2:
                reached()
            count.append(kwargs["name"])
            return write(**kwargs)
        pushes.bucket_write = slow
        run_job({job.pk}, export_to_bucket_body)
        """,
        s3_bucket,
        marker,
        extra={"BUCKETS_ALLOWED": f"{training.name}/exports"},
    )
    _kill_when_reached(child, marker)

    prefix = "exports/Clinic-SFT-v1/"
    left = training.keys(prefix)
    assert len(left) == 2
    assert prefix + "manifest.json" not in left
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING

    # Its heartbeat goes stale; the retry (here, inline) copies every file, the manifest last.
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    job_retry(job=job)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    stored = {key[len(prefix) :] for key in training.keys(prefix)}
    assert stored == {e["path"] for e in version.manifest["files"]} | {"manifest.json"}
    for entry in version.manifest["files"]:
        assert hashlib.sha256(training.read(prefix + entry["path"])).hexdigest() == entry["sha256"]
