"""Recording and reading the audit log (append-only; see AuditEvent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Model, QuerySet

from core.models import AuditEvent, Project


class AuditAction(models.TextChoices):
    """Every action the audit log records, by the app whose code writes it.

    Code names an action as ``AuditAction.REVIEW_SUBMIT``, so a misspelt name fails when the line
    runs (and in mypy) instead of quietly starting a new action; ``audit_record`` refuses a bare
    string. The values are what the log stores and what leads read and filter on: never change
    one, add a new member instead.
    """

    # Accounts and API tokens (core).
    ACCOUNT_LOCKED = "account.locked"
    ACCOUNT_LOCKED_FOR_CLIENT = "account.locked_for_client"
    ADDRESS_LOCKED = "address.locked"
    TOKEN_CREATE = "account.token.create"  # noqa: S105
    TOKEN_REVOKE = "account.token.revoke"  # noqa: S105
    TOKEN_EXPIRED = "account.token.expired"  # noqa: S105
    TOKENS_REVOKED_BY_PASSWORD = "account.token.revoke_all"  # noqa: S105
    # Projects and their members (core admin and commands, review).
    PROJECT_CREATE = "review.project.create"
    PROJECT_RENAME = "review.project.rename"
    PROJECT_UPDATE = "review.project.update"
    MEMBER_SET = "review.member.set"
    MEMBER_REMOVE = "review.member.remove"
    SETTINGS_UPDATE = "review.settings.update"
    # Sessions (dialogues).
    SESSIONS_IMPORT = "dialogues.import"
    SESSIONS_IMPORT_FROM_BUCKET = "dialogues.import.from_bucket"
    FLAG_CLEAR = "dialogues.flag.clear"
    FLAG_REOPEN = "dialogues.flag.reopen"
    # Rubrics.
    RUBRIC_PUBLISH = "rubrics.rubric.publish"
    RUBRIC_DERIVE = "rubrics.rubric.derive"
    RUBRIC_DELETE = "rubrics.rubric.delete"
    # Review work.
    ITEMS_ADD = "review.items.add"
    ITEM_GOLD = "review.item.gold"
    ITEM_STATUS = "review.item.status"
    ITEM_SENT_BACK = "review.item.sent_back"
    ITEM_ADJUDICATE = "review.item.adjudicate"
    ITEM_APPROVE = "review.item.approve"
    ITEM_REJECT = "review.item.reject"
    ASSIGNMENT_RESERVE = "review.assignment.reserve"
    ASSIGNMENT_RELEASE = "review.assignment.release"
    ASSIGNMENT_SKIP = "review.assignment.skip"
    ASSIGNMENT_FINISH = "review.assignment.finish"
    REVIEW_DRAFT = "review.review.draft"
    REVIEW_SUBMIT = "review.review.submit"
    REVIEW_EDIT = "review.review.edit"
    JUDGMENT_DRAFT = "review.judgment.draft"
    JUDGMENT_SUBMIT = "review.judgment.submit"
    JUDGMENT_EDIT = "review.judgment.edit"
    REWRITE_CREATE = "review.rewrite.create"
    CALIBRATION_WAIVE = "review.calibration.waive"
    CALIBRATION_WITHDRAW = "review.calibration.withdraw"
    JUDGE_CONFIGURED = "review.judge.configured"
    RATINGS_IMPORTED = "review.ratings.imported"
    # Exports.
    EXPORT_SPECIFICATION_CREATE = "exports.specification.create"
    EXPORT_VERSION_BUILD = "exports.version.build"
    EXPORT_VERSION_BUILT = "exports.version.built"
    EXPORT_VERSION_APPROVE = "exports.version.approve"
    EXPORT_DOWNLOAD = "exports.download"
    EXPORT_TO_BUCKET = "exports.version.to_bucket"


def _label(obj: Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label, str(obj.pk)


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    obj: Model | None = None,
    project: Project | None = None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event. Call it inside the same transaction as the change it describes."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action {action!r} is not an AuditAction")
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
