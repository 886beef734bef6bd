"""Writes for accounts and projects."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from core.models import Membership, Project, Role


def password_generate() -> str:
    """A random password a person can still type: about 100 bits from a URL-safe alphabet."""
    return secrets.token_urlsafe(16)


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    password: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[User, str]:
    """Make an account. With no password given, a random one is made and returned once."""
    password = password or password_generate()
    user: User = get_user_model().objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    return user, password


@transaction.atomic
def project_create(
    *, slug: str, name: str, description: str = "", created_by: User | None = None
) -> Project:
    return Project.objects.create(
        slug=slug, name=name, description=description, created_by=created_by
    )


@transaction.atomic
def membership_set(*, project: Project, user: User, role: str) -> Membership:
    """Give a user their one role in a project (adding them if they are not a member)."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(Role.values)}")
    membership, _created = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def membership_remove(*, project: Project, user: User) -> None:
    Membership.objects.filter(project=project, user=user).delete()
