from django.contrib import admin

from rubrics.models import Criterion, CriterionGroup, Rubric


class CriterionGroupInline(admin.TabularInline):
    model = CriterionGroup
    extra = 0


class CriterionInline(admin.StackedInline):
    model = Criterion
    extra = 0


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin):
    list_display = ["slug", "version", "status", "scope", "builtin", "published_at"]
    list_filter = ["status", "scope", "builtin"]
    inlines = [CriterionGroupInline, CriterionInline]

    def has_change_permission(self, request, obj=None):
        # A published version is frozen; the admin must not be a way around that.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Reviews and exports point at published versions; they must stay.
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)
