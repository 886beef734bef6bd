"""Web and worker on different hosts with no shared disk: a web process and a real Celery
worker, each with its own MEDIA_ROOT (and so EXPORTS_ROOT), against one bucket of the S3 test
server (STORAGE_BACKEND=s3), run an import and an export end to end through HTTP.

The web process is ``manage.py runserver`` on loopback; the worker is ``celery worker`` on a
queue of the test's own, on the broker of CELERY_BROKER_URL (CI: Redis). Both reach the test's
PostgreSQL database. Nothing but the bucket and the database is shared.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from core.models import Role
from core.tokens import api_token_create
from tests.core.test_worker import _broker, _database_url, _output, worker
from tests.dialogues.importing import EXAM, SLEEP, jsonl
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member
from tests.s3 import _free_port, s3_settings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="the web and worker processes need a database server"
    ),
]


@contextmanager
def web(env: dict[str, str]) -> Iterator[str]:
    """``runserver`` on a free loopback port with ``env``; its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "runserver",
            "--noreload",
            "--nothreading",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/", timeout=2)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(_output(process)) from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _call(url: str, token: str, method: str = "GET", body: bytes | None = None, **headers: str):  # type: ignore[no-untyped-def]
    request = urllib.request.Request(  # noqa: S310
        url, data=body, method=method, headers={"Authorization": f"Token {token}", **headers}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        return answer.status, answer.read()


def _multipart(name: str, data: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


def _job_done(base: str, token: str, job_id: int, seconds: float = 180) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _status, body = _call(f"{base}/api/jobs/{job_id}/", token)
        job = json.loads(body)
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_an_import_and_an_export_run_end_to_end_across_hosts_sharing_only_a_bucket(
    s3_bucket, tmp_path
) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    trainer = member(project, Role.TRAINER, "trainer")
    lead_key = api_token_create(user=lead)[1]
    trainer_key = api_token_create(user=trainer)[1]
    rubric = published_rubric()
    for n in range(6):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Worry {n} keeps me up."), ("counselor", f"Reply {n}.")],
        )
    specification = ExportSpecificationFactory(projects=[project])
    queue = f"rapport-test-{uuid.uuid4().hex[:8]}"
    broker_url, broker_env = _broker(tmp_path)
    common = {
        **broker_env,
        **s3_settings(s3_bucket),
        "DJANGO_SETTINGS_MODULE": "tests.core.worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "TEST_QUEUE": queue,
    }
    web_disk, worker_disk = tmp_path / "web-host", tmp_path / "worker-host"

    with (
        worker(
            broker_url,
            broker_env,
            queue,
            extra_env={**common, "TEST_HOST_MEDIA_ROOT": str(worker_disk)},
        ),
        web({**common, "TEST_HOST_MEDIA_ROOT": str(web_disk)}) as base,
    ):
        # The import: uploaded to the web host, run by the worker from the bucket.
        content_type, body = _multipart("sessions.jsonl", jsonl(EXAM, SLEEP))
        status, answer = _call(
            f"{base}/api/projects/clinic/imports/",
            lead_key,
            "POST",
            body,
            **{"Content-Type": content_type},
        )
        assert status == 202, answer
        started = json.loads(answer)
        job = _job_done(base, lead_key, started["job"]["id"])
        assert job["status"] == "succeeded", job
        _status, batch = _call(f"{base}/api/imports/{started['batch']['id']}/", lead_key)
        assert json.loads(batch)["status"] == "imported"

        # The export: built by the worker into the bucket, approved, downloaded through the web.
        status, answer = _call(
            f"{base}/api/export-specifications/{specification.pk}/build/", lead_key, "POST"
        )
        assert status == 202, answer
        version = json.loads(answer)
        job = _job_done(base, lead_key, version["job"])
        assert job["status"] == "succeeded", job
        status, _answer = _call(f"{base}/api/exports/{version['id']}/approve/", lead_key, "POST")
        assert status == 200
        _status, manifest = _call(
            f"{base}/api/exports/{version['id']}/files/manifest.json", trainer_key
        )
        manifest = json.loads(manifest)
        for entry in manifest["files"]:
            _status, data = _call(
                f"{base}/api/exports/{version['id']}/files/{entry['path']}", trainer_key
            )
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]

    # Neither host kept a file of the other's, nor any upload or export of its own.
    assert not any(path.is_file() for path in web_disk.rglob("*")) if web_disk.exists() else True
    assert not any(worker_disk.rglob("*.jsonl")) if worker_disk.exists() else True
    assert s3_bucket.keys("rapport/imports/")
    assert s3_bucket.keys("rapport/exports/")
