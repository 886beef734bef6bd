from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.test import client as test_client
from django.utils import translation

from core.models import Job, Project, Role
from tests.factories import JobFactory, ProjectFactory, member
from tests.openapi import response_check


@pytest.fixture(autouse=True)
def _english_by_default():  # type: ignore[no-untyped-def]
    """Each test starts in English; a request that switched language must not leak into the next."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _api_answers_match_the_schema(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Every answer a test client gets from /api/ is checked against the OpenAPI schema
    (tests/openapi.py), unless the test is marked openapi_unchecked with its reason."""
    marker = request.node.get_closest_marker("openapi_unchecked")
    if marker is not None:
        if not marker.args or not str(marker.args[0]).strip():
            pytest.fail('openapi_unchecked needs a reason: openapi_unchecked("why")')
        return
    sent = test_client.Client.request

    def checked(self, **kwargs):  # type: ignore[no-untyped-def]
        response = sent(self, **kwargs)
        response_check(response)
        return response

    monkeypatch.setattr(test_client.Client, "request", checked)


@dataclass
class World:
    """A project with one person of each role, an outsider, and objects each app adds."""

    project: Project
    lead: Any
    reviewer: Any
    trainer: Any
    outsider: Any
    job: Job
    objects: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    project = ProjectFactory(slug="clinic", name="Clinic")
    lead = member(project, Role.LEAD, "lead")
    reviewer = member(project, Role.REVIEWER, "reviewer")
    trainer = member(project, Role.TRAINER, "trainer")
    # The outsider leads a project of their own, so "lead somewhere" never grants access here.
    other = ProjectFactory(slug="elsewhere", name="Elsewhere")
    outsider = member(other, Role.LEAD, "outsider")
    job = JobFactory(project=project, started_by=lead)
    return World(project, lead, reviewer, trainer, outsider, job)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    return client_for


# The S3 test server and a bucket per test (tests/s3.py), for any test that asks for them.
from tests.s3 import s3_bucket, s3_server  # noqa: E402, F401

# Storage on both backends. A test that touches stored files (imports, exports, downloads)
# says so with @pytest.mark.usefixtures("storage_backend") and runs twice: on the local disk and
# on a bucket of the S3 test server. TEST_STORAGE_BACKEND=local or =s3 keeps one of the two
# (CI runs both in one pass; a developer may want the quicker one).
STORAGE_BACKENDS = [
    name for name in ("local", "s3") if os.environ.get("TEST_STORAGE_BACKEND", "") in ("", name)
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "storage_backend" in metafunc.fixturenames:
        metafunc.parametrize("storage_backend", STORAGE_BACKENDS, indirect=True)


@pytest.fixture
def storage_backend(request: pytest.FixtureRequest) -> str:
    """The backend this run of the test stores its files on ("local" or "s3")."""
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
    return str(request.param)


@pytest.fixture(autouse=True)
def _storage_follows_the_test_backend(request: pytest.FixtureRequest) -> None:
    """With TEST_STORAGE_BACKEND=s3 every test stores its files on a bucket of the S3 test
    server, not only those that run on both backends: an import, a build or a download anywhere
    in the suite then proves the bucket path. A test of the local disk itself (a partial file
    renamed in a folder) says so with @pytest.mark.local_storage("why") and keeps the disk."""
    if os.environ.get("TEST_STORAGE_BACKEND") != "s3" or "storage_backend" in request.fixturenames:
        return
    marker = request.node.get_closest_marker("local_storage")
    if marker is not None:
        if not marker.args or not str(marker.args[0]).strip():
            pytest.fail('local_storage needs a reason: local_storage("why")')
        return
    if request.node.get_closest_marker("django_db") is None and not any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    ):
        return  # no database, so no import, export or download to store
    request.getfixturevalue("s3_bucket")
