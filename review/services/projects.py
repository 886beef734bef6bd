"""A lead's setup of a review project: creating it, its name, review settings and members.

Who may create a review project in the browser: staff users, and users who already lead a
project (leads start the next round themselves; nobody else can make themselves a lead). The
creator becomes the new project's lead.

Every change is written to the audit log with the values before and after, in the same
transaction. The rubric version is fixed once a review against it exists: scores given against
one version must never be read against another.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ApplicationError
from core.limits import GUIDELINES_MAX_CHARS, text_too_long
from core.models import Membership, Project, Role
from core.services import membership_remove, membership_set, project_create
from review.models import Review, ReviewSettings, TaskKind
from review.services.triage import triage_refresh
from rubrics.models import Rubric, Scope


class ProjectSetupError(ApplicationError):
    """A setup change that cannot be made; ``field`` names the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SettingsChange:
    """The editable review settings, as the settings form hands them over."""

    guidelines: str
    rubric: Rubric | None
    pair_rubric: Rubric | None
    task_kinds: list[str]
    overlap: int
    reservation_minutes: int
    reveal_after_submit: bool
    adjudication_spread: Decimal
    require_calibration: bool
    calibration_pass_share: Decimal
    calibration_tolerance: Decimal
    due_date: datetime.date | None
    # The project's display name; None leaves it as it is.
    name: str | None = None
    queue_order: str = ReviewSettings.QueueOrder.DEPTH
    triage_control_share: Decimal = Decimal("0.1")


PAIR_SCOPES = (Scope.RESPONSE, Scope.RESPONSE_PAIR)


def settings_change_of(*, settings: ReviewSettings, **changes: Any) -> SettingsChange:
    """The settings as they stand, with only the given fields changed (for the API and CLI)."""
    values: dict[str, Any] = {
        name: getattr(settings, name)
        for name in SettingsChange.__dataclass_fields__
        if name != "name"
    }
    values["task_kinds"] = list(values["task_kinds"])
    values.update(changes)
    return SettingsChange(**values)


def _number(value: Decimal) -> str:
    """A decimal as written, whatever the column's places: 2, 0.75."""
    return format(Decimal(value).normalize(), "f")


def _snapshot(settings: ReviewSettings) -> dict[str, Any]:
    """The settings as plain JSON values, for the audit log."""
    return {
        "guidelines": settings.guidelines,
        "rubric": str(settings.rubric) if settings.rubric_id else None,
        "pair_rubric": str(settings.pair_rubric) if settings.pair_rubric_id else None,
        "task_kinds": list(settings.task_kinds),
        "overlap": settings.overlap,
        "queue_order": settings.queue_order,
        "triage_control_share": _number(settings.triage_control_share),
        "reservation_minutes": settings.reservation_minutes,
        "reveal_after_submit": settings.reveal_after_submit,
        "adjudication_spread": _number(settings.adjudication_spread),
        "require_calibration": settings.require_calibration,
        "calibration_pass_share": _number(settings.calibration_pass_share),
        "calibration_tolerance": _number(settings.calibration_tolerance),
        "due_date": settings.due_date.isoformat() if settings.due_date else None,
    }


def project_rubric_locked(*, project: Project) -> bool:
    """True once any review in the project was written against its rubric version."""
    return Review.objects.filter(item__project=project).exists()


def _check(change: SettingsChange, settings: ReviewSettings, project: Project) -> None:
    for rubric, field in ((change.rubric, "rubric"), (change.pair_rubric, "pair_rubric")):
        if rubric is not None and not rubric.is_published:
            raise ProjectSetupError(
                _("Only a published rubric version can be used for reviews."), field=field
            )
    # Sessions are scored against a whole-session rubric; pairs against response principles.
    # Checked when the choice changes, so a project set up earlier can still save other fields.
    if (
        change.rubric is not None
        and change.rubric != settings.rubric
        and change.rubric.scope != Scope.SESSION
    ):
        raise ProjectSetupError(
            _("Session scoring needs a rubric that scores the whole session."), field="rubric"
        )
    if (
        change.pair_rubric is not None
        and change.pair_rubric != settings.pair_rubric
        and change.pair_rubric.scope not in PAIR_SCOPES
    ):
        raise ProjectSetupError(
            _("Principles for pairs need a rubric that scores responses or response pairs."),
            field="pair_rubric",
        )
    if change.name is not None and not change.name.strip():
        raise ProjectSetupError(_("A project needs a name."), field="name")
    too_long = text_too_long(
        value=change.guidelines, label=_("Guidelines"), maximum=GUIDELINES_MAX_CHARS
    )
    if too_long:
        raise ProjectSetupError(too_long, field="guidelines")
    if change.rubric != settings.rubric and project_rubric_locked(project=project):
        raise ProjectSetupError(
            _(
                "Reviews have been written against %(rubric)s, so the project's rubric version "
                "can no longer change."
            )
            % {"rubric": settings.rubric},
            field="rubric",
        )
    unknown = set(change.task_kinds) - set(TaskKind.values)
    if unknown:
        raise ProjectSetupError(
            _("Unknown task kind: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))},
            field="task_kinds",
        )
    if TaskKind.SCORING in change.task_kinds and change.rubric is None:
        raise ProjectSetupError(_("Session scoring needs a rubric version."), field="rubric")
    if change.overlap < 1:
        raise ProjectSetupError(_("At least one reviewer per item."), field="overlap")
    if change.queue_order not in ReviewSettings.QueueOrder.values:
        raise ProjectSetupError(_("Unknown queue order."), field="queue_order")
    if not Decimal(0) <= change.triage_control_share <= Decimal(1):
        raise ProjectSetupError(
            _("The control slice is a fraction between 0 and 1."), field="triage_control_share"
        )
    if change.reservation_minutes < 1:
        raise ProjectSetupError(
            _("A reservation lasts at least one minute."), field="reservation_minutes"
        )
    if not Decimal(0) <= change.calibration_pass_share <= Decimal(1):
        raise ProjectSetupError(
            _("The pass share is a fraction between 0 and 1."), field="calibration_pass_share"
        )
    if change.adjudication_spread < 0 or change.calibration_tolerance < 0:
        raise ProjectSetupError(_("Thresholds cannot be negative."), field="adjudication_spread")


@transaction.atomic
def review_settings_update(
    *, project: Project, change: SettingsChange, actor: Any
) -> ReviewSettings:
    settings, _created = ReviewSettings.objects.select_for_update().get_or_create(project=project)
    _check(change, settings, project)
    before = _snapshot(settings)
    if change.name is not None and change.name.strip() != project.name:
        _rename(project=project, name=change.name.strip(), actor=actor)
    for field, value in change.__dict__.items():
        if field != "name":
            setattr(settings, field, value)
    settings.save()
    # A project instance may carry its settings from an earlier read; what follows in this
    # request (the triage ranking, the page) must see the new ones.
    project.review_settings = settings
    after = _snapshot(settings)
    changed = {key for key in after if after[key] != before[key]}
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.SETTINGS_UPDATE,
            obj=settings,
            project=project,
            before={key: before[key] for key in sorted(changed)},
            after={key: after[key] for key in sorted(changed)},
        )
    if changed & {"queue_order", "triage_control_share"} and (
        settings.queue_order == ReviewSettings.QueueOrder.TRIAGE
    ):
        # The ranking the queue reads follows the share the lead just chose.
        triage_refresh(project=project)
    return settings


def _rename(*, project: Project, name: str, actor: Any) -> None:
    before = project.name
    Project.objects.filter(pk=project.pk).update(name=name)
    project.name = name
    audit_record(
        actor=actor,
        action=AuditAction.PROJECT_RENAME,
        obj=project,
        project=project,
        before={"name": before},
        after={"name": name},
    )


def project_create_allowed(*, user: Any) -> bool:
    """May this user create a review project? Staff, and anyone who leads a project already."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff) or Membership.objects.filter(user=user, role=Role.LEAD).exists()


@transaction.atomic
def review_project_create(
    *, slug: str, name: str, description: str, change: SettingsChange, actor: Any
) -> Project:
    """A new project with its review settings; the creator leads it."""
    if not project_create_allowed(user=actor):
        raise ProjectSetupError(
            _("Only staff and the leads of a project may create review projects.")
        )
    slug, name = slug.strip(), name.strip()
    if not name:
        raise ProjectSetupError(_("A project needs a name."), field="name")
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ProjectSetupError(
            _("A slug uses letters, numbers, hyphens and underscores only."), field="slug"
        ) from exc
    if Project.objects.filter(slug=slug).exists():
        raise ProjectSetupError(
            _("A project with the slug “%(slug)s” exists already.") % {"slug": slug}, field="slug"
        )
    project = project_create(slug=slug, name=name, description=description, created_by=actor)
    membership_set(project=project, user=actor, role=Role.LEAD)
    settings = ReviewSettings(project=project)
    _check(change, settings, project)
    for field, value in change.__dict__.items():
        if field != "name":
            setattr(settings, field, value)
    settings.save()
    audit_record(
        actor=actor,
        action=AuditAction.PROJECT_CREATE,
        obj=project,
        project=project,
        after={"slug": slug, "name": name, "lead": actor.username, **_snapshot(settings)},
    )
    return project


def _lead_count(project: Project) -> int:
    """The project's leads, counted under their rows' locks (call inside a transaction).

    Two leads removing (or demoting) each other at once both counted two leads and both went
    ahead, leaving none. Locked, the second waits, then counts again without the removed one.
    """
    return len(Membership.objects.select_for_update().filter(project=project, role=Role.LEAD))


@transaction.atomic
def project_member_set(*, project: Project, username: str, role: str, actor: Any) -> Membership:
    """Add an existing account to the project with a role, or change the role it holds."""
    user = get_user_model().objects.filter(username=username.strip()).first()
    # Staff and disabled accounts are refused in the words used for a missing one, so that the
    # form tells a lead nothing about accounts outside their project.
    if user is None or user.is_staff or not user.is_active:
        raise ProjectSetupError(
            _("There is no account named “%(name)s”.") % {"name": username.strip()},
            field="username",
        )
    if role not in Role.values:
        raise ProjectSetupError(_("Unknown role."), field="role")
    # The leads first, then the member: every change of a lead locks in this order.
    leads = _lead_count(project)
    current = Membership.objects.select_for_update().filter(project=project, user=user).first()
    if current is not None and current.role == role:
        return current
    if current is not None and current.role == Role.LEAD and leads == 1:
        raise ProjectSetupError(_("A project keeps at least one lead."), field="role")
    membership = membership_set(project=project, user=user, role=role)
    audit_record(
        actor=actor,
        action=AuditAction.MEMBER_SET,
        obj=membership,
        project=project,
        before={"user": user.username, "role": current.role} if current else None,
        after={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def project_member_remove(*, project: Project, membership: Membership, actor: Any) -> None:
    if membership.role == Role.LEAD and _lead_count(project) == 1:
        raise ProjectSetupError(_("A project keeps at least one lead."))
    audit_record(
        actor=actor,
        action=AuditAction.MEMBER_REMOVE,
        obj=membership,
        project=project,
        before={"user": membership.user.username, "role": membership.role},
        after=None,
    )
    membership_remove(project=project, user=membership.user)
