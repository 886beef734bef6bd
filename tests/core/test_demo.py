from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from core.demo import DEMO_PEOPLE
from core.models import Membership, Project


@pytest.fixture
def var_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    return tmp_path


def _run() -> str:
    out = StringIO()
    call_command("demo_setup", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_setup_prints_working_credentials_and_is_idempotent(var_dir) -> None:  # type: ignore[no-untyped-def]
    first = _run()
    counts = (Project.objects.count(), get_user_model().objects.count(), Membership.objects.count())
    second = _run()

    assert "http://127.0.0.1:8000/" in first
    for username, _role, _admin in DEMO_PEOPLE:
        password = re.search(rf"{username}\s+(\S+)", first).group(1)
        assert authenticate(username=username, password=password) is not None
        assert re.search(rf"{username}\s+(\S+)", second).group(1) == password
    assert (
        Project.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
    ) == counts
    assert (var_dir / "demo_credentials.json").stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_demo_passwords_are_random_per_installation(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path / "one"
    settings.VAR_DIR.mkdir()
    _run()
    first = json.loads((tmp_path / "one" / "demo_credentials.json").read_text())

    settings.VAR_DIR = tmp_path / "two"
    settings.VAR_DIR.mkdir()
    _run()  # no credentials file here: every password is made anew
    second = json.loads((tmp_path / "two" / "demo_credentials.json").read_text())

    assert set(first) == set(second)
    assert all(first[name] != second[name] for name in first)
    assert len(set(first.values())) == len(first)  # no password is shared between accounts
