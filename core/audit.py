"""Recording and reading the audit log (append-only; see AuditEvent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Model, QuerySet

from core.models import AuditEvent, Project


def _label(obj: Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label, str(obj.pk)


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: Model | None = None,
    project: Project | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event. Call it inside the same transaction as the change it describes."""
    object_type, object_id = _label(obj)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        project=project,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
        reason=reason,
    )


def audit_events_for_project(
    *,
    project: Project,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    actor: User | None = None,
) -> QuerySet[AuditEvent]:
    """A project's events, optionally about one object or by one person, newest first.

    Callers must have checked that the user leads the project (see core.selectors).
    """
    events = AuditEvent.objects.filter(project=project).select_related("actor")
    if obj is not None:
        object_type, object_id = _label(obj)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if actor is not None:
        events = events.filter(actor=actor)
    return events.order_by("-created_at", "-pk")
