"""An upload over HTTP goes to the uploads storage as its bytes arrive.

Django would spool a file larger than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file on the web
host first, and Rapport would then copy that file into storage: the whole upload on the web
host's disk, for nothing when storage is a bucket. The import routes stream each file's chunks
into storage instead (a multipart upload of the bucket), holding one part at most. These tests
send a real request to a live server, a block at a time, and count what lands in the temporary
folder and how much memory the process held at its peak.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import tempfile
import tracemalloc
import uuid
from functools import partial
from urllib.parse import urlsplit

import pytest
from django.core.files import temp as django_temp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import jobs, storage
from core.models import Role
from core.tokens import api_token_create
from dialogues.models import ImportBatch, Session
from dialogues.services.imports import import_batch_run
from tests.conftest import client_for
from tests.dialogues.importing import EXAM, SLEEP, jsonl
from tests.factories import ProjectFactory, member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("storage_backend")]

MB = 1024 * 1024
BLOCK = 256 * 1024


def _multipart(files: list[tuple[str, bytes]]) -> tuple[str, list[bytes]]:
    boundary = uuid.uuid4().hex
    pieces: list[bytes] = []
    for name, data in files:
        pieces.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
        )
        pieces.extend(data[i : i + BLOCK] for i in range(0, len(data), BLOCK))
        pieces.append(b"\r\n")
    pieces.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", pieces


def _send(
    url: str, path: str, token: str, content_type: str, pieces: list[bytes]
) -> tuple[int, bytes]:
    """POST the pieces one after another, as a client streaming a large file does."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", content_type)
    connection.putheader("Content-Length", str(sum(len(piece) for piece in pieces)))
    connection.putheader("Authorization", f"Token {token}")
    connection.endheaders()

    for piece in pieces:
        connection.send(piece)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


@pytest.fixture
def spooled(settings, tmp_path, monkeypatch):
    """The bytes Django writes to temporary upload files (kept, to be counted afterwards)."""
    folder = tmp_path / "upload-temp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    monkeypatch.setattr(
        django_temp, "NamedTemporaryFile", partial(tempfile.NamedTemporaryFile, delete=False)
    )
    return lambda: sum(path.stat().st_size for path in folder.iterdir())


def test_a_large_upload_streams_into_storage_without_a_temporary_copy(
    live_server, spooled, settings, monkeypatch
) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    _token, key = api_token_create(user=lead)
    # 64 MB, a dozen times FILE_UPLOAD_MAX_MEMORY_SIZE: a record, then lines of spaces that
    # readers skip at once.
    big = jsonl(EXAM) + (b" " * (8 * MB) + b"\n") * 8
    small = jsonl(SLEEP)
    content_type, pieces = _multipart([("big.jsonl", big), ("small.jsonl", small)])
    assert len(big) > 8 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE

    # Only the upload is measured: the import job waits for a worker, run below.
    monkeypatch.setattr(jobs, "_send", lambda job: None)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        status, body = _send(
            live_server.url, f"/api/projects/{project.slug}/imports/", key, content_type, pieces
        )
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert status == 202, body[:2000]
    answer = json.loads(body)
    assert spooled() == 0
    # Far less than the file: one part of the bucket's multipart upload (8 MB) joined from its
    # chunks, and the S3 client's service description, which botocore parses once per client
    # (about 20 MB at its peak; the live server's request thread makes a new one).
    assert peak < 40 * MB, f"peak {peak / MB:.1f} MB"
    import_batch_run(batch_id=answer["batch"]["id"])
    batch = ImportBatch.objects.get(pk=answer["batch"]["id"])
    assert batch.status == ImportBatch.Status.IMPORTED
    assert Session.objects.filter(batch=batch).count() == 2
    assert {entry["name"]: entry["sha256"] for entry in batch.files} == {
        "big.jsonl": hashlib.sha256(big).hexdigest(),
        "small.jsonl": hashlib.sha256(small).hexdigest(),
    }


def test_an_upload_refused_by_the_view_leaves_nothing_in_storage(
    live_server, spooled, settings
) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    _token, key = api_token_create(user=lead)
    content_type, pieces = _multipart([("big.jsonl", b"x" * (8 * MB))])

    # An unknown format: the view refuses the request once the file is stored.
    boundary = content_type.split("boundary=")[1]
    field = f'--{boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\nnonsense\r\n'
    path = f"/api/projects/{project.slug}/imports/"
    status, _body = _send(live_server.url, path, key, content_type, [field.encode(), *pieces])

    assert status == 400
    assert ImportBatch.objects.count() == 0
    assert spooled() == 0
    assert storage.keys_under(storage.uploads_storage(), "imports") == []


def test_the_import_page_streams_a_large_upload_into_storage_too(spooled, monkeypatch) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    big = jsonl(EXAM) + (b" " * (8 * MB) + b"\n") * 2
    monkeypatch.setattr(jobs, "_send", lambda job: None)  # only the upload matters here
    answer = client_for(lead).post(
        reverse("dialogues:import_upload") + "?project=clinic",
        {"files": SimpleUploadedFile("big.jsonl", big)},
    )

    assert answer.status_code == 302
    assert spooled() == 0
    batch = ImportBatch.objects.get()
    assert batch.files == [
        {"name": "big.jsonl", "sha256": hashlib.sha256(big).hexdigest(), "size": len(big)}
    ]
    uploads = storage.uploads_storage()
    assert storage.keys_under(uploads, "imports") == [f"{batch.upload_path}/big.jsonl"]
