"""Writes to rubrics. Only a draft ever changes; a published version is frozen for good.

Everything that uses a rubric (reviews, judge runs, exports) may only point at a published
version, so "in use" implies "published" implies "immutable". Every function here that changes
a rubric goes through ``_draft_locked``, which re-reads the row under a lock and refuses a
published one: nothing in this module can alter a published version, even by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ConflictError
from rubrics.errors import RubricInUse, RubricLocked
from rubrics.files import (
    Definition,
    definition_check,
    definition_dump,
    definition_parse,
    rubric_definition,
)
from rubrics.models import Criterion, CriterionGroup, Rubric
from rubrics.selectors import user_can_version

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

UserLike = AbstractBaseUser | AnonymousUser | None


class RubricConflict(ConflictError):
    """An import or load that would overwrite a different rubric under the same version."""


@dataclass(frozen=True)
class ImportOutcome:
    rubric: Rubric
    created: bool


def _user(user: UserLike) -> Any:
    return user if user is not None and user.is_authenticated else None


def _draft_locked(rubric: Rubric) -> Rubric:
    """The rubric's row, locked for this transaction, provided it is still a draft."""
    current = Rubric.objects.select_for_update().get(pk=rubric.pk)
    if current.status != Rubric.Status.DRAFT:
        raise RubricLocked(current)
    return current


def _fill(*, rubric: Rubric, definition: Definition) -> None:
    """Create the groups and criteria of a new, empty rubric row from a definition."""
    groups = {}
    for position, item in enumerate(definition["groups"], start=1):
        groups[item["code"]] = CriterionGroup.objects.create(
            rubric=rubric,
            position=position,
            code=item["code"],
            title=item["title"],
            maximum=None if item["maximum"] is None else Decimal(str(item["maximum"])),
        )
    for position, item in enumerate(definition["criteria"], start=1):
        scale = item["scale"]
        binary = scale["kind"] == "binary"
        Criterion.objects.create(
            rubric=rubric,
            group=groups.get(item["group"]) if item["group"] else None,
            position=position,
            code=item["code"],
            title=item["title"],
            description=item["description"],
            scale_kind=scale["kind"],
            scale_min=Decimal(0) if binary else Decimal(str(scale["min"])),
            scale_max=Decimal(1) if binary else Decimal(str(scale["max"])),
            scale_step=Decimal(1) if binary else Decimal(str(scale["step"])),
            points=Decimal(str(scale["points"])) if binary else Decimal(1),
            weight=Decimal(str(item["weight"])),
            allow_na=item["not_applicable"],
            rationale_required=item["rationale_required"],
            measurement=item["measurement"],
            anchors=item["anchors"],
        )


@transaction.atomic
def rubric_import(
    *,
    definition: Definition,
    user: UserLike = None,
    draft: bool = False,
    builtin: bool = False,
    reason: str = "",
) -> ImportOutcome:
    """Store a checked definition as the version it names; a second identical import is a no-op.

    A version that exists with other content is a conflict: a published version never changes,
    so a changed file must carry a new version number.
    """
    slug, version = definition["slug"], definition["version"]
    # Lock every version of the slug: imports and new drafts of one rubric queue here.
    versions = list(Rubric.objects.select_for_update().filter(slug=slug))
    existing = next((row for row in versions if row.version == version), None)
    if (
        existing is None
        and user is not None
        and not user_can_version(user=cast(Any, user), versions=versions)
    ):
        raise PermissionDenied
    if existing is not None:
        if existing.status == Rubric.Status.DRAFT and not draft:
            raise RubricConflict(
                _("Version %(version)s of %(slug)s is a draft here; publish or renumber it first.")
                % {"slug": slug, "version": version}
            )
        if definition_dump(rubric_definition(rubric=existing)) != definition_dump(definition):
            raise RubricConflict(
                _(
                    "Version %(version)s of %(slug)s already exists with different content; "
                    "give the file a new version number."
                )
                % {"slug": slug, "version": version}
            )
        return ImportOutcome(rubric=existing, created=False)
    if any(row.status == Rubric.Status.DRAFT for row in versions):
        # A new version beside a draft would leave the draft numbered out of order.
        raise RubricConflict(
            _("%(slug)s has a draft; publish or delete it before importing another version.")
            % {"slug": slug}
        )
    rubric = Rubric.objects.create(
        slug=slug,
        version=version,
        status=Rubric.Status.DRAFT if draft else Rubric.Status.PUBLISHED,
        scope=definition["scope"],
        languages=definition["languages"],
        name=definition["name"],
        description=definition["description"],
        source=definition["source"],
        total_method=definition["total"]["method"],
        cutoff=None
        if definition["total"]["cutoff"] is None
        else Decimal(str(definition["total"]["cutoff"])),
        builtin=builtin,
        created_by=_user(user),
        published_at=None if draft else timezone.now(),
    )
    _fill(rubric=rubric, definition=definition)
    if not draft and not builtin:
        # Built-in instruments are loaded by migrations and the demo; anything else published
        # by an import (a page, the API, the command line) is a publication like any other.
        audit_record(
            actor=_user(user),
            action=AuditAction.RUBRIC_PUBLISH,
            obj=rubric,
            before=None,
            after={"slug": rubric.slug, "version": rubric.version, "status": rubric.status},
            reason=reason,
        )
    return ImportOutcome(rubric=rubric, created=True)


def rubric_import_text(
    *,
    text: str | bytes,
    source: str,
    user: UserLike = None,
    draft: bool = False,
    reason: str = "",
) -> ImportOutcome:
    """Parse, check and store a rubric file (``RubricFileError`` or ``RubricConflict`` if not)."""
    return rubric_import(
        definition=definition_parse(text, source=source), user=user, draft=draft, reason=reason
    )


def rubrics_load_builtin(*, directory: Path = DEFINITIONS_DIR) -> list[ImportOutcome]:
    """Load every built-in definition; all of them or, on any error, none."""
    paths = sorted(directory.glob("*.yaml"))
    definitions = [definition_parse(path.read_bytes(), source=path.name) for path in paths]
    with transaction.atomic():
        return [rubric_import(definition=item, builtin=True) for item in definitions]


@transaction.atomic
def rubric_draft_create(
    *,
    slug: str,
    scope: str,
    languages: list[str],
    name: dict[str, str],
    description: dict[str, str],
    total_method: str,
    cutoff: Decimal | None,
    source: str = "",
    user: UserLike = None,
) -> Rubric:
    """A brand-new rubric: version 1, a draft without criteria yet."""
    taken = RubricConflict(_("A rubric with the slug %(slug)s exists already.") % {"slug": slug})
    if Rubric.objects.filter(slug=slug).exists():
        raise taken
    try:
        # A savepoint, so that losing a race to the same slug is a clear error, not a 500.
        with transaction.atomic():
            return Rubric.objects.create(
                slug=slug,
                version=1,
                status=Rubric.Status.DRAFT,
                scope=scope,
                languages=languages,
                name=name,
                description=description,
                source=source,
                total_method=total_method,
                cutoff=cutoff,
                created_by=_user(user),
            )
    except IntegrityError as exc:
        raise taken from exc


RUBRIC_EDITABLE_FIELDS = (
    "scope",
    "languages",
    "name",
    "description",
    "source",
    "total_method",
    "cutoff",
)


@transaction.atomic
def rubric_update(*, rubric: Rubric, **fields: Any) -> Rubric:
    """Change a draft's own fields (not its slug or version)."""
    current = _draft_locked(rubric)
    unknown = set(fields) - set(RUBRIC_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"rubric_update cannot change {sorted(unknown)}")
    for name, value in fields.items():
        setattr(current, name, value)
    current.save(update_fields=list(fields))
    return current


@transaction.atomic
def rubric_new_version(*, rubric: Rubric, user: UserLike = None) -> Rubric:
    """The draft that follows a published version: a full copy numbered after the latest one.

    A rubric has at most one draft; when it already has one, that draft is returned.
    """
    # Lock every version of the slug so two leads clicking "edit" at once get the same draft.
    versions = list(Rubric.objects.select_for_update().filter(slug=rubric.slug))
    existing = next((row for row in versions if row.status == Rubric.Status.DRAFT), None)
    if existing is not None:
        return existing
    source = Rubric.objects.get(pk=rubric.pk)
    definition = rubric_definition(rubric=source)
    latest = max(row.version for row in versions)
    copy = Rubric.objects.create(
        slug=source.slug,
        version=latest + 1,
        status=Rubric.Status.DRAFT,
        scope=source.scope,
        languages=source.languages,
        name=source.name,
        description=source.description,
        source=source.source,
        total_method=source.total_method,
        cutoff=source.cutoff,
        created_by=_user(user),
    )
    _fill(rubric=copy, definition=definition)
    return copy


@transaction.atomic
def rubric_derive(
    *, rubric: Rubric, slug: str, name: dict[str, str], user: UserLike = None
) -> Rubric:
    """A copy of a published version as a new rubric of the caller's own (version 1, published).

    The way out for a lead who may not version a built-in or someone else's rubric: the copy
    has its own slug, so its versions never become anyone else's latest, and it records which
    version it came from. It is published at once, being a copy of a published (checked)
    version under a new slug and name; the lead changes it with "Edit as a new version".
    """
    source = Rubric.objects.get(pk=rubric.pk)
    if not source.is_published:
        raise RubricConflict(_("Only a published version can be copied."))
    taken = RubricConflict(_("A rubric with the slug %(slug)s exists already.") % {"slug": slug})
    if Rubric.objects.filter(slug=slug).exists():
        raise taken
    definition = rubric_definition(rubric=source)
    definition["slug"] = slug
    definition["version"] = 1
    definition["name"] = {
        code: name.get(code) or source.name.get(code, "") for code in source.languages
    }
    definition_check(definition, source=slug)
    try:
        # A savepoint, so that losing a race to the same slug is a clear error, not a 500.
        with transaction.atomic():
            copy = Rubric.objects.create(
                slug=slug,
                version=1,
                status=Rubric.Status.PUBLISHED,
                scope=source.scope,
                languages=source.languages,
                name=definition["name"],
                description=source.description,
                source=source.source,
                total_method=source.total_method,
                cutoff=source.cutoff,
                created_by=_user(user),
                published_at=timezone.now(),
                derived_from=source,
            )
    except IntegrityError as exc:
        raise taken from exc
    _fill(rubric=copy, definition=definition)
    audit_record(
        actor=_user(user),
        action=AuditAction.RUBRIC_DERIVE,
        obj=copy,
        before=None,
        after={
            "slug": copy.slug,
            "version": copy.version,
            "from": {"slug": source.slug, "version": source.version},
        },
    )
    return copy


@transaction.atomic
def rubric_publish(*, rubric: Rubric, actor: UserLike = None, reason: str = "") -> Rubric:
    """Freeze a draft, provided it passes every check a rubric file must pass."""
    current = _draft_locked(rubric)
    definition_check(rubric_definition(rubric=current), source=f"{current.slug} v{current.version}")
    current.status = Rubric.Status.PUBLISHED
    current.published_at = timezone.now()
    current.save(update_fields=["status", "published_at"])
    audit_record(
        actor=_user(actor),
        action=AuditAction.RUBRIC_PUBLISH,
        obj=current,
        before={"status": Rubric.Status.DRAFT},
        after={"slug": current.slug, "version": current.version, "status": current.status},
        reason=reason,
    )
    return current


@transaction.atomic
def rubric_draft_delete(*, rubric: Rubric, actor: UserLike = None, reason: str = "") -> None:
    """Delete a draft; ``RubricInUse`` when a project or judge still points at it."""
    current = _draft_locked(rubric)
    identity = {"slug": current.slug, "version": current.version}
    pk = current.pk
    try:
        # A savepoint, so the refusal leaves the surrounding transaction usable.
        with transaction.atomic():
            current.delete()
    except ProtectedError as exc:
        raise RubricInUse(current) from exc
    current.pk = pk  # the event names the row that was deleted
    audit_record(
        actor=_user(actor),
        action=AuditAction.RUBRIC_DELETE,
        obj=current,
        before=identity | {"status": Rubric.Status.DRAFT},
        after=None,
        reason=reason,
    )


def _renumber(rubric: Rubric) -> None:
    """Close the gap a removed group or criterion leaves in the positions."""
    rows: list[CriterionGroup | Criterion] = [*rubric.groups.all(), *rubric.criteria.all()]
    counters = {CriterionGroup: 0, Criterion: 0}
    for row in rows:
        counters[type(row)] += 1
        if row.position != counters[type(row)]:
            row.position = counters[type(row)]
            row.save(update_fields=["position"])


@transaction.atomic
def group_save(
    *,
    rubric: Rubric,
    code: str,
    title: dict[str, str],
    maximum: Decimal | None,
    group: CriterionGroup | None = None,
) -> CriterionGroup:
    """Add a group to a draft, or change one of its groups."""
    current = _draft_locked(rubric)
    if group is None:
        position = current.groups.count() + 1
        group = CriterionGroup(rubric=current, position=position)
    elif group.rubric_id != current.pk:
        raise ValueError("the group belongs to another rubric")
    group.code, group.title, group.maximum = code, title, maximum
    group.save()
    return group


@transaction.atomic
def group_delete(*, group: CriterionGroup) -> None:
    """Remove a group from a draft; its criteria stay, without a group."""
    current = _draft_locked(group.rubric)
    Criterion.objects.filter(group=group).update(group=None)
    _part_delete(current, group)


CRITERION_FIELDS = (
    "group",
    "code",
    "title",
    "description",
    "scale_kind",
    "scale_min",
    "scale_max",
    "scale_step",
    "points",
    "weight",
    "allow_na",
    "rationale_required",
    "measurement",
    "anchors",
)


@transaction.atomic
def criterion_save(
    *, rubric: Rubric, criterion: Criterion | None = None, **fields: Any
) -> Criterion:
    """Add a criterion to a draft (at the end), or change one of its criteria."""
    current = _draft_locked(rubric)
    unknown = set(fields) - set(CRITERION_FIELDS)
    if unknown:
        raise TypeError(f"criterion_save cannot set {sorted(unknown)}")
    if criterion is None:
        criterion = Criterion(rubric=current, position=current.criteria.count() + 1)
    elif criterion.rubric_id != current.pk:
        raise ValueError("the criterion belongs to another rubric")
    group = fields.get("group")
    if group is not None and group.rubric_id != current.pk:
        raise ValueError("the group belongs to another rubric")
    for name, value in fields.items():
        setattr(criterion, name, value)
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion) -> None:
    _part_delete(_draft_locked(criterion.rubric), criterion)


def _part_delete(current: Rubric, part: CriterionGroup | Criterion) -> None:
    """Delete a group or criterion of a locked draft, then number the rest again.

    The savepoint lets a part that scores already point at be refused as "in use" without
    losing the caller's transaction.
    """
    try:
        with transaction.atomic():
            part.delete()
    except ProtectedError as exc:
        raise RubricInUse(current) from exc
    _renumber(current)
