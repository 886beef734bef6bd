"""Production configuration: run manage.py as an operator would, with only environment variables."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _python("manage.py", *args, env=env, tmp_path=tmp_path)


def _python(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
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
        [sys.executable, *args],
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


def test_a_web_process_imports_every_view_when_it_starts(tmp_path: Path) -> None:
    # What gunicorn does in each worker: import the WSGI module, before any request.
    loaded = "import sys, config.wsgi; print('review.views' in sys.modules, 'scipy' in sys.modules)"
    result = _python(
        "-c",
        loaded,
        env={"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "rapport.example.org"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]


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


def _show(expression: str, env: dict[str, str], tmp_path: Path) -> str:
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        f"from django.conf import settings; from config.celery import app; print({expression})",
        env={"SECRET_KEY": secrets.token_urlsafe(64), **env},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_rabbitmq_gets_no_redis_only_broker_options(tmp_path: Path) -> None:
    """visibility_timeout is a Redis (and SQS) transport option; amqp:// must not be given it."""
    url = "amqp://rapport:secret@mq.internal:5672//"
    shown = _show(
        "settings.CELERY_BROKER_TRANSPORT_OPTIONS, app.conf.broker_transport_options, "
        "app.conf.broker_url.split(':')[0]",
        {"CELERY_BROKER_URL": url, "CELERY_VISIBILITY_TIMEOUT": "99"},
        tmp_path,
    )
    assert shown == "{} {} amqp"


def test_redis_gets_its_visibility_timeout(tmp_path: Path) -> None:
    for url in ("redis://redis.internal:6379/0", "rediss://redis.internal:6380/0"):
        shown = _show(
            "app.conf.broker_transport_options",
            {"CELERY_BROKER_URL": url, "CELERY_VISIBILITY_TIMEOUT": "7200"},
            tmp_path,
        )
        assert shown == "{'visibility_timeout': 7200}", url


def test_x_forwarded_for_is_trusted_only_for_the_proxies_declared(tmp_path: Path) -> None:
    show = "settings.REST_FRAMEWORK['NUM_PROXIES']"
    assert _show(show, {}, tmp_path) == "0"
    assert _show(show, {"NUM_PROXIES": "1"}, tmp_path) == "1"
    result = _manage(
        "check",
        env={"SECRET_KEY": secrets.token_urlsafe(64), "NUM_PROXIES": "-1"},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "NUM_PROXIES must be 0 or more" in result.stderr


def test_every_dependency_is_pinned_exactly() -> None:
    """The same versions years later, for the development tools as much as for the app."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    loose = [
        requirement
        for requirement in requirements
        if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", requirement)
    ]
    assert loose == []


def test_every_environment_variable_is_documented() -> None:
    """An operator learns what Rapport reads from docs/deploy.md's table: all of it is there."""
    source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r"env_(?:int|bool|list)\(\s*\"([A-Z_]+)\"", source))
    read |= set(re.findall(r"os\.environ(?:\.get\(|\[)\s*\"([A-Z_]+)\"", source))
    assert {"SECRET_KEY", "NUM_PROXIES", "TIME_ZONE", "CELERY_FILESYSTEM_DIR"} <= read
    table = [
        line
        for line in (ROOT / "docs" / "deploy.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    documented = {name for line in table for name in re.findall(r"`([A-Z_]+)`", line.split("|")[1])}
    assert read - documented == set(), "add these to the table in docs/deploy.md"


@pytest.mark.parametrize(
    "key",
    [
        "short-but-random-3f9a",
        "django-insecure-" + "x" * 40,
        "change-me",
        "changeme-changeme-changeme-changeme-changeme-changeme",
        "your-secret-key-here-your-secret-key-here-your-secret-key",
    ],
)
def test_production_refuses_a_short_or_placeholder_secret_key(tmp_path: Path, key: str) -> None:
    result = _python(
        "-c",
        "import config.settings",
        env={"SECRET_KEY": key, "ALLOWED_HOSTS": "rapport.example.org"},
        tmp_path=tmp_path,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert key not in result.stderr


def test_development_accepts_a_short_secret_key(tmp_path: Path) -> None:
    result = _python(
        "-c", "import config.settings", env={"SECRET_KEY": "dev", "DEBUG": "1"}, tmp_path=tmp_path
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("redis://127.0.0.1:6379/9", "django.contrib.sessions.backends.cached_db"),
        ("", "django.contrib.sessions.backends.db"),
    ],
)
def test_sessions_are_read_from_the_shared_cache_only_when_there_is_one(
    tmp_path: Path, cache_url: str, engine: str
) -> None:
    # A memory cache is one per process: a session signed out in one web process would stay
    # valid in the others' caches, so without CACHE_URL sessions are read from the database.
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        show,
        env={"DEBUG": "1", "CACHE_URL": cache_url},
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == engine
