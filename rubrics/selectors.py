"""Reads of rubrics. Rubrics are global: who may see them depends on roles only.

Anyone with a role in some project (reviewer, lead, trainer) reads published versions: reviewers
score against them and exports cite them. Leads and staff create and import rubrics and see every
draft. A draft is edited, published or deleted only by the user who created it (while they lead
a project) and by staff, so one project's lead cannot rewrite or publish another lead's work in
progress.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from core.models import Role
from core.selectors import user_is_lead_anywhere, user_roles
from rubrics.errors import RubricLocked
from rubrics.models import Criterion, CriterionGroup, Rubric

UserLike = User | AnonymousUser


def user_can_view_rubrics(*, user: UserLike) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return bool(user_roles(user=user) & {Role.REVIEWER, Role.LEAD, Role.TRAINER})


def user_can_edit_rubrics(*, user: UserLike) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_staff) or user_is_lead_anywhere(user=user)


def user_can_edit_draft(*, user: UserLike, rubric: Rubric) -> bool:
    """Whether the caller may change, publish or delete this draft: its creator, or staff."""
    if rubric.is_published or not user_can_edit_rubrics(user=user):
        return False
    return bool(user.is_staff) or (
        rubric.created_by_id is not None and rubric.created_by_id == user.pk
    )


def user_can_version(*, user: UserLike, versions: list[Rubric]) -> bool:
    """Whether the caller may add a version to a rubric that has these versions.

    Built-in rubrics and other people's rubrics are shared by every project, and a new version
    becomes everyone's latest: only staff change those. A lead versions only a rubric whose
    first version they created.
    """
    if not user_can_edit_rubrics(user=user):
        return False
    if user.is_staff or not versions:
        return True
    first = min(versions, key=lambda row: row.version)
    return not any(row.builtin for row in versions) and first.created_by_id == user.pk


def rubrics_check_version(*, user: UserLike, slug: str) -> None:
    if not user_can_version(user=user, versions=list(Rubric.objects.filter(slug=slug))):
        raise PermissionDenied


def rubrics_check_view(*, user: UserLike) -> None:
    if not user_can_view_rubrics(user=user):
        raise PermissionDenied


def rubrics_check_edit(*, user: UserLike) -> None:
    if not user_can_edit_rubrics(user=user):
        raise PermissionDenied


def _with_parts(queryset: QuerySet[Rubric]) -> QuerySet[Rubric]:
    return queryset.select_related("derived_from").prefetch_related(
        Prefetch("groups", queryset=CriterionGroup.objects.order_by("position")),
        Prefetch(
            "criteria", queryset=Criterion.objects.select_related("group").order_by("position")
        ),
    )


def rubric_list(*, include_drafts: bool) -> list[Rubric]:
    """The newest version of each rubric, slug order.

    Drafts are a lead's work in progress: only those who may edit rubrics see them.
    """
    latest: dict[str, Rubric] = {}
    for rubric in rubric_versions(include_drafts=include_drafts).order_by("slug", "-version"):
        latest.setdefault(rubric.slug, rubric)
    return list(latest.values())


def rubric_versions(*, include_drafts: bool, slug: str | None = None) -> QuerySet[Rubric]:
    rubrics = Rubric.objects.select_related("derived_from")
    if slug is not None:
        rubrics = rubrics.filter(slug=slug)
    if not include_drafts:
        rubrics = rubrics.filter(status=Rubric.Status.PUBLISHED)
    return rubrics.order_by("-version")


def rubric_version_for_user(*, slug: str, version: int, user: UserLike) -> Rubric:
    """A version the caller may look at: 403 without a viewing role, 404 for others' drafts."""
    rubrics_check_view(user=user)
    rubric = rubric_version_get(slug=slug, version=version)
    if not rubric.is_published and not user_can_edit_rubrics(user=user):
        raise Http404
    return rubric


def rubric_version_get(*, slug: str, version: int) -> Rubric:
    """One version with its groups and criteria prefetched, or ``Http404``."""
    rubric = _with_parts(Rubric.objects.filter(slug=slug, version=version)).first()
    if rubric is None:
        raise Http404
    return rubric


def rubric_latest_published(*, slug: str) -> Rubric:
    """The newest published version of a rubric, or ``Http404`` (what review and judges use)."""
    rubric = (
        _with_parts(Rubric.objects.filter(slug=slug, status=Rubric.Status.PUBLISHED))
        .order_by("-version")
        .first()
    )
    if rubric is None:
        raise Http404
    return rubric


def rubric_draft_for_user(*, slug: str, version: int, user: UserLike) -> Rubric:
    """A draft the caller may change.

    403 for those who may not edit rubrics or this draft, ``RubricLocked`` once it is published
    (say, from another tab), so that the page can say so instead of failing.
    """
    rubrics_check_edit(user=user)
    rubric = rubric_version_get(slug=slug, version=version)
    if rubric.is_published:
        raise RubricLocked(rubric)
    if not user_can_edit_draft(user=user, rubric=rubric):
        raise PermissionDenied
    return rubric


def group_get(*, rubric: Rubric, group_id: int) -> CriterionGroup:
    group = CriterionGroup.objects.filter(rubric=rubric, pk=group_id).first()
    if group is None:
        raise Http404
    return group


def criterion_get(*, rubric: Rubric, criterion_id: int) -> Criterion:
    criterion = Criterion.objects.filter(rubric=rubric, pk=criterion_id).first()
    if criterion is None:
        raise Http404
    return criterion


def rubric_sections(*, rubric: Rubric) -> list[tuple[CriterionGroup | None, list[Criterion]]]:
    """Criteria in the order a reviewer meets them, under their groups (ungrouped ones last)."""
    criteria = list(rubric.criteria.all())
    sections: list[tuple[CriterionGroup | None, list[Criterion]]] = [
        (group, [item for item in criteria if item.group_id == group.pk])
        for group in rubric.groups.all()
    ]
    loose = [item for item in criteria if item.group_id is None]
    if loose or not sections:
        sections.append((None, loose))
    return sections
