"""Access-checked reads. Every project-scoped object a user reaches comes through here.

A caller who is not a member of a project gets ``Http404`` for it, exactly as if it did not
exist, so project names and ids do not leak; a member whose role does not allow the operation
gets ``PermissionDenied``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from core.models import Job, Membership, Project, Role


def user_roles(*, user: User) -> set[str]:
    """The roles a user holds in any project (drives navigation, never access by itself)."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("role", flat=True).distinct())


def user_is_lead_anywhere(*, user: User) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, role=Role.LEAD).exists()


def projects_for_user(*, user: User, roles: Iterable[str] | None = None) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return Project.objects.filter(pk__in=memberships.values("project_id")).order_by("name")


def project_get_for_user(
    *, slug: str, user: User, roles: Iterable[str] | None = None, related: Iterable[str] = ()
) -> tuple[Project, Membership]:
    """The project and the caller's membership, or 404 (not a member) / 403 (wrong role).

    ``related`` names relations of the project to read in the same query (``select_related``
    paths from the project, such as ``"review_settings"``).
    """
    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("project", *(f"project__{path}" for path in related))
        .filter(project__slug=slug, user=user)
        .first()
    )
    if membership is None:
        raise Http404
    if roles is not None and membership.role not in set(roles):
        raise PermissionDenied
    return membership.project, membership


def project_members(*, project: Project) -> QuerySet[Membership]:
    return project.memberships.select_related("user").order_by("role", "user__username")


def jobs_for_user(*, user: User) -> QuerySet[Job]:
    """The caller's own jobs and, for a lead, every job of the projects they lead.

    A job of a project belongs to the project first: its starter sees it only while still a
    member, so someone removed from a project loses its jobs (their parameters, results and
    error reports) with the rest of it. A job of no project stays its starter's.
    """
    if not user.is_authenticated:
        return Job.objects.none()
    memberships = Membership.objects.filter(user=user)
    led = memberships.filter(role=Role.LEAD).values("project_id")
    member_of = memberships.values("project_id")
    own = Q(started_by=user) & (Q(project__isnull=True) | Q(project_id__in=member_of))
    return (
        Job.objects.filter(own | Q(project_id__in=led))
        .select_related("project", "started_by")
        .order_by("-created_at", "-pk")
    )


def job_get_for_user(*, job_id: int, user: User) -> Job:
    job = jobs_for_user(user=user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job
