"""Access-checked reads of export specifications and versions.

A specification can span several projects, so its data comes from all of them: a caller must
be a member of every one of its projects to learn it exists (else 404, as for any project an
outsider asks about). Leads of every project manage it; trainers (and leads) see and download
its approved versions only; an unapproved version is invisible (404) to anyone who cannot
manage it; any other role gets 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from core.models import Membership, Project, Role
from exports.models import ExportSpecification, ExportVersion

READERS = (Role.LEAD, Role.TRAINER)


def _roles(user: Any) -> dict[int, str]:
    if not user.is_authenticated:
        return {}
    return dict(Membership.objects.filter(user=user).values_list("project_id", "role"))


def _within(project_ids: set[int]) -> QuerySet[ExportSpecification]:
    """Specifications whose projects all lie within ``project_ids``."""
    outside = Project.objects.exclude(pk__in=project_ids)
    return (
        ExportSpecification.objects.filter(projects__in=project_ids)
        .exclude(projects__in=outside)
        .distinct()
    )


def specifications_managed_by(*, user: Any) -> QuerySet[ExportSpecification]:
    led = {pk for pk, role in _roles(user).items() if role == Role.LEAD}
    return _within(led).prefetch_related("projects").order_by("-created_at", "-pk")


def versions_for_user(*, user: Any) -> QuerySet[ExportVersion]:
    """Every version of the specifications the user manages, and the approved versions of
    those whose projects the user reads (as a lead or trainer)."""
    roles = _roles(user)
    led = {pk for pk, role in roles.items() if role == Role.LEAD}
    readable = {pk for pk, role in roles.items() if role in READERS}
    managed = _within(led).values("pk")
    read = _within(readable).values("pk")
    return (
        (
            ExportVersion.objects.filter(specification__in=managed)
            | ExportVersion.objects.filter(
                specification__in=read, status=ExportVersion.Status.APPROVED
            )
        )
        .select_related("specification", "approved_by")
        .order_by("-created_at", "-pk")
    )


def user_reads_exports(*, user: Any) -> bool:
    roles = _roles(user)
    return any(role in READERS for role in roles.values())


def _spec_roles(specification: ExportSpecification, user: Any) -> list[str]:
    """The user's role in each of the specification's projects; 404 when not in all."""
    roles = _roles(user)
    project_ids = list(specification.projects.values_list("pk", flat=True))
    if not project_ids or any(pk not in roles for pk in project_ids):
        raise Http404
    return [roles[pk] for pk in project_ids]


def specification_get_for_user(*, specification_id: int, user: Any) -> ExportSpecification:
    """A specification its caller manages (lead of every project), else 404 or 403."""
    specification = ExportSpecification.objects.filter(pk=specification_id).first()
    if specification is None:
        raise Http404
    if any(role != Role.LEAD for role in _spec_roles(specification, user)):
        raise PermissionDenied
    return specification


def version_get_for_user(
    *, version_id: int, user: Any, manage: bool = False
) -> tuple[ExportVersion, bool]:
    """The version and whether the caller manages it.

    ``manage=True`` asks for a lead's operation (approve, compare, progress): others get 403,
    or 404 for a version they may not even know of.
    """
    version = (
        ExportVersion.objects.select_related("specification", "job", "approved_by")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise Http404
    roles = _spec_roles(version.specification, user)
    manages = all(role == Role.LEAD for role in roles)
    reads = all(role in READERS for role in roles)
    if manages:
        return version, True
    if not reads:
        raise PermissionDenied
    if version.status != ExportVersion.Status.APPROVED:
        raise Http404
    if manage:
        raise PermissionDenied
    return version, False


def versions_of(*, specification: ExportSpecification) -> QuerySet[ExportVersion]:
    return specification.versions.select_related("job", "approved_by").order_by("-number")


def projects_criterion_codes(*, projects: Iterable[Project], pairs: bool = False) -> set[str]:
    """Criterion codes a specification's score and agreement bars may name: those of each
    project's rubric and of every rubric its submitted reviews were scored with; with
    ``pairs`` (a DPO export drawing on pair items) also the overall ``choice`` and the
    principles for pairs, whose agreement such an export rests on."""
    from review.models import Review, ReviewSettings
    from rubrics.models import Criterion

    project_ids = [project.pk for project in projects]
    settings_rubrics = ReviewSettings.objects.filter(
        project_id__in=project_ids, rubric__isnull=False
    ).values("rubric_id")
    reviewed_rubrics = Review.objects.filter(
        item__project_id__in=project_ids, status=Review.Status.SUBMITTED
    ).values("rubric_id")
    rubrics = Q(rubric_id__in=settings_rubrics) | Q(rubric_id__in=reviewed_rubrics)
    if pairs:
        rubrics |= Q(
            rubric_id__in=ReviewSettings.objects.filter(
                project_id__in=project_ids, pair_rubric__isnull=False
            ).values("pair_rubric_id")
        )
    codes = set(Criterion.objects.filter(rubrics).values_list("code", flat=True))
    return codes | {"choice"} if pairs else codes
