"""The admin is a way to change projects and members like any other: every change is audited.

docs/reviewing.md promises that every settings and member change is in the project's audit log;
a change made here is recorded with the same actions as the lead's pages, by the staff member,
with "Django admin" as the reason.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.models import AuditEvent, Job, Membership, Project, Role

ADMIN_REASON = "Django admin"
_PROJECT_FIELDS = ("name", "slug", "description")


class MembershipFormSet(BaseInlineFormSet):
    """A project that has a lead keeps one, as on the lead's own pages: without one, nobody
    but staff could manage it."""

    def clean(self) -> None:
        super().clean()
        project = self.instance
        if (
            project.pk is None
            or not Membership.objects.filter(project=project, role=Role.LEAD).exists()
        ):
            return
        leads = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("role") == Role.LEAD
        ]
        if not leads:
            raise ValidationError(_("A project keeps at least one lead."))


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request: Any, obj: Project, form: Any, change: bool) -> None:
        before = (
            Project.objects.filter(pk=obj.pk).values(*_PROJECT_FIELDS).first() if change else None
        )
        super().save_model(request, obj, form, change)
        after = {field: getattr(obj, field) for field in _PROJECT_FIELDS}
        if before is None:
            audit_record(
                actor=request.user,
                action=AuditAction.PROJECT_CREATE,
                obj=obj,
                project=obj,
                after=after,
                reason=ADMIN_REASON,
            )
            return
        changed = sorted(field for field in _PROJECT_FIELDS if before[field] != after[field])
        if changed:
            audit_record(
                actor=request.user,
                action=(
                    AuditAction.PROJECT_RENAME
                    if changed == ["name"]
                    else AuditAction.PROJECT_UPDATE
                ),
                obj=obj,
                project=obj,
                before={field: before[field] for field in changed},
                after={field: after[field] for field in changed},
                reason=ADMIN_REASON,
            )

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        roles_before = dict(
            Membership.objects.filter(project=form.instance).values_list("pk", "role")
        )
        removed = [
            (deleted.instance.user.username, deleted.instance.role)
            for deleted in formset.deleted_forms
            if deleted.instance.pk is not None
        ]
        super().save_formset(request, form, formset, change)
        project = form.instance
        for username, role in removed:
            audit_record(
                actor=request.user,
                action=AuditAction.MEMBER_REMOVE,
                project=project,
                before={"user": username, "role": role},
                after=None,
                reason=ADMIN_REASON,
            )
        for row in Membership.objects.filter(project=project).select_related("user"):
            before_role = roles_before.get(row.pk)
            if before_role == row.role:
                continue
            audit_record(
                actor=request.user,
                action=AuditAction.MEMBER_SET,
                obj=row,
                project=project,
                before={"user": row.user.username, "role": before_role} if before_role else None,
                after={"user": row.user.username, "role": row.role},
                reason=ADMIN_REASON,
            )


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["pk", "kind", "status", "project", "started_by", "progress_done", "created_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "project", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "project"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
