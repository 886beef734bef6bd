"""Production configuration: run manage.py as an operator would, with only environment variables."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    base["RAPPORT_VAR_DIR"] = str(tmp_path / "var")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = _manage("check", env={}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "Rapport cannot start: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path: Path) -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "rapport.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://rapport.example.org",
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path: Path) -> None:
    show = "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        show,
        env={"SECRET_KEY": secrets.token_urlsafe(64)},
        tmp_path=tmp_path,
    )
    assert result.stdout.split() == ["False", "True"], result.stderr


def test_development_generates_its_own_secret_key_once(tmp_path: Path) -> None:
    show = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = _manage("shell", "-v", "0", "-c", show, env={"DEBUG": "1"}, tmp_path=tmp_path)
    second = _manage("shell", "-v", "0", "-c", show, env={"DEBUG": "1"}, tmp_path=tmp_path)
    other_machine = _manage(
        "shell", "-v", "0", "-c", show, env={"DEBUG": "1"}, tmp_path=tmp_path / "b"
    )
    key = first.stdout.strip()
    assert len(key) >= 50
    assert second.stdout.strip() == key
    assert other_machine.stdout.strip() != key
    assert (tmp_path / "var" / "dev_secret_key").stat().st_mode & 0o077 == 0


def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    result = _manage("check", env={"DEBUG": "maybe"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def test_the_openapi_schema_builds_without_warnings(tmp_path: Path) -> None:
    """The published schema is generated from the code; an ambiguity there is a defect."""
    out = tmp_path / "schema.yaml"
    result = _manage(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(out),
        env={"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "rapport.example.org"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    schema = out.read_text()
    assert "SessionLanguageEnum" in schema
    assert "JudgeLanguageEnum" in schema
