"""Reading Rapport's settings from the environment: typed values, and a secret key that is safe.

config.settings names every variable it reads (tests/core/test_settings.py checks that each is
documented in docs/deploy.md); these helpers only read and check them. A value that cannot be
read (a boolean spelt "maybe", a weak production key) stops the process at start with a message
naming the variable, rather than running with a guess.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# Words of keys copied from tutorials, templates and generated settings files.
_PLACEHOLDER_WORDS = (
    "changeme",
    "secretkey",
    "yoursecret",
    "placeholder",
    "insecure",
    "example",
    "dummy",
    "notsecret",
)
SECRET_KEY_MIN_LENGTH = 50


def _weak_secret_key(key: str) -> bool:
    plain = "".join(ch for ch in key.lower() if ch.isalnum())
    return (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < 5
        or any(word in plain for word in _PLACEHOLDER_WORDS)
    )


def secret_key(*, configured: str, debug: bool, var_dir: Path) -> str:
    """The SECRET_KEY variable's value, refused when weak in production; in development
    (DEBUG on) without one, a key generated once per machine under var/."""
    key = configured.strip()
    if key and not debug and _weak_secret_key(key):
        # The key itself is never printed: it may be real, just weak.
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak for production (DEBUG off): it must be at least "
            f"{SECRET_KEY_MIN_LENGTH} random characters and not a well-known placeholder. "
            "Make one with: python -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )
    if key:
        return key
    if not debug:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG off) needs a long random SECRET_KEY in the "
            "environment, for example: export SECRET_KEY=\"$(python -c 'import secrets; "
            "print(secrets.token_urlsafe(64))')\". For development set DEBUG=1 and a key is "
            "generated under var/."
        )
    # A per-machine development key: never committed, never shared between installations.
    key_file = var_dir / "dev_secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
