"""Demo content: a project, its people, and whatever each app adds to show itself.

Each app may have a ``demo`` module with ``demo_setup(context)``; ``manage.py demo_setup`` runs
them in INSTALLED_APPS order. Every step must be idempotent: the command runs on every
``make demo``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from core.models import Project, Role
from core.services import membership_set, password_generate

DEMO_PROJECT_SLUG = "demo"

# (user name, role in the demo project or None, is an administrator)
DEMO_PEOPLE = [
    ("demo-lead", Role.LEAD, False),
    ("demo-reviewer-1", Role.REVIEWER, False),
    ("demo-reviewer-2", Role.REVIEWER, False),
    ("demo-trainer", Role.TRAINER, False),
    ("demo-admin", None, True),
]


@dataclass
class DemoContext:
    project: Project
    users: dict[str, Any]
    log: Any = print
    extra: dict[str, Any] = field(default_factory=dict)


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / "demo_credentials.json"


def _load_credentials() -> dict[str, str]:
    path = credentials_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def _save_credentials(credentials: dict[str, str]) -> None:
    path = credentials_path()
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)


@transaction.atomic
def demo_people() -> tuple[Project, dict[str, Any], dict[str, str]]:
    """The demo project and accounts. Passwords are random per installation, kept under var/."""
    project, _created = Project.objects.get_or_create(
        slug=DEMO_PROJECT_SLUG,
        defaults={
            "name": "Demo: CBT counseling review",
            "description": (
                "A small project to try Rapport: synthetic CBT sessions and response pairs, "
                "reviewed by two clinicians and a lead."
            ),
        },
    )
    credentials = _load_credentials()
    users: dict[str, Any] = {}
    user_model = get_user_model()
    for username, role, is_admin in DEMO_PEOPLE:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "is_staff": is_admin,
                "is_superuser": is_admin,
            },
        )
        known = credentials.get(username)
        if created or known is None or not user.check_password(known):
            known = password_generate()
            user.set_password(known)
            user.save()
            credentials[username] = known
        if role is not None:
            membership_set(project=project, user=user, role=role)
        users[username] = user
    _save_credentials(credentials)
    return project, users, credentials


def demo_setup(log: Any = print) -> dict[str, str]:
    project, users, credentials = demo_people()
    context = DemoContext(project=project, users=users, log=log)
    for app_config in apps.get_app_configs():
        if app_config.name == "core":
            continue
        try:
            module = import_module(f"{app_config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.demo":
                raise
            continue
        step = getattr(module, "demo_setup", None)
        if step is not None:
            step(context)
    return credentials
