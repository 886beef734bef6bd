"""Writes for accounts and projects."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from core.audit import AuditAction, audit_record
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
    project: Project | None = None,
    role: str | None = None,
    reason: str = "",
) -> tuple[User, str]:
    """Make an account, and with a project and role, its membership. With no password given, a
    random one is made and returned once.

    The account, the role and the role's audit event commit together or not at all: a role
    held without its event would be a change the project's log does not show.
    """
    if (project is None) != (role is None):
        raise ValueError("a project and a role go together")
    password = password or password_generate()
    user: User = get_user_model().objects.create_user(
        username=username,
        email=email,
        password=password,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    if project is not None and role is not None:
        membership_grant(project=project, user=user, role=role, actor=None, reason=reason)
    return user, password


@transaction.atomic
def project_create(
    *,
    slug: str,
    name: str,
    description: str = "",
    created_by: User | None = None,
    lead: User | None = None,
    reason: str = "",
) -> Project:
    """Make a project, and with a lead, their membership: both and its audit event, or nothing."""
    project = Project.objects.create(
        slug=slug, name=name, description=description, created_by=created_by
    )
    if lead is not None:
        membership_grant(project=project, user=lead, role=Role.LEAD, actor=None, reason=reason)
    return project


@transaction.atomic
def membership_grant(
    *, project: Project, user: User, role: str, actor: User | None, reason: str = ""
) -> Membership:
    """Give a user a role in a project and record it in the audit log, in one transaction.

    For callers without rules of their own (the command line); the lead's pages go through
    review.services.projects, which also keeps a project from losing its last lead.
    """
    current = Membership.objects.select_for_update().filter(project=project, user=user).first()
    membership = membership_set(project=project, user=user, role=role)
    audit_record(
        actor=actor,
        action=AuditAction.MEMBER_SET,
        obj=membership,
        project=project,
        before={"user": user.username, "role": current.role} if current else None,
        after={"user": user.username, "role": membership.role},
        reason=reason,
    )
    return membership


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
