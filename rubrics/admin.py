"""The admin can look at every rubric but is no way around the publishing rules.

Rubrics are made on the Rubrics pages or by import (both check them), so the admin adds none.
A draft's texts and criteria may be corrected here; its identity (slug, version) and its status
never, and the only way to publish is ``services.rubric_publish``, which runs the same checks as
the Publish button. A published version is read-only, its groups and criteria included.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrics import services
from rubrics.errors import RubricInUse, RubricLocked
from rubrics.files import RubricFileError
from rubrics.models import Criterion, CriterionGroup, Rubric


def _frozen(obj: Any) -> bool:
    return isinstance(obj, Rubric) and obj.is_published


class _PartInline(admin.options.InlineModelAdmin):
    """Groups and criteria of a published rubric can be looked at, not changed."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _frozen(obj) and super().has_delete_permission(request, obj)


class CriterionGroupInline(_PartInline, admin.TabularInline):
    model = CriterionGroup


class CriterionInline(_PartInline, admin.StackedInline):
    model = Criterion


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["slug", "version", "status", "scope", "builtin", "published_at"]
    list_filter = ["status", "scope", "builtin"]
    inlines = [CriterionGroupInline, CriterionInline]
    readonly_fields = [
        "slug",
        "version",
        "status",
        "published_at",
        "builtin",
        "created_by",
        "derived_from",
    ]
    actions = ["publish_drafts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Rubric | None = None) -> bool:
        # A published version is frozen; the admin must not be a way around that.
        if _frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Rubric | None = None) -> bool:
        # Reviews and exports point at published versions; they must stay.
        if _frozen(obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Rubric]) -> None:
        """Bulk delete removes drafts only, through the service that knows what is in use."""
        for rubric in queryset:
            try:
                services.rubric_draft_delete(
                    rubric=rubric, actor=request.user, reason="Django admin"
                )
            except (RubricLocked, RubricInUse) as exc:
                self.message_user(request, str(exc), messages.ERROR)

    def delete_model(self, request: HttpRequest, obj: Rubric) -> None:
        services.rubric_draft_delete(rubric=obj, actor=request.user, reason="Django admin")

    @admin.action(
        description=gettext_lazy("Publish the selected drafts (after the publish checks)"),
        permissions=["change"],
    )
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[Rubric]) -> None:
        for rubric in queryset:
            try:
                services.rubric_publish(rubric=rubric, actor=request.user, reason="Django admin")
            except RubricLocked as exc:
                self.message_user(request, str(exc), messages.WARNING)
            except RubricFileError as exc:
                for problem in exc.problems:
                    self.message_user(request, f"{rubric}: {problem}", messages.ERROR)
            else:
                self.message_user(
                    request, _("%(rubric)s is published.") % {"rubric": rubric}, messages.SUCCESS
                )
