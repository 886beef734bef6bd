"""Items of a review project: sessions to score and response pairs to compare, and gold items.

Items come from the project's own sessions, chosen by a filter or one by one. Pair items come
from the candidate responses a source carried (PsychoCounsel's chosen and rejected, several
answers to one question): each two imported candidates that answer the same context make one
pair, and where the source said which one it preferred, that preference decides the pairs.

``Item.position`` orders the reviewers' queue. It is a hash of the project and the item's
content, so it is stable (the same data gives the same queue) yet scattered (reviewers do not
all start on one batch's first sessions, and sessions of one source do not cluster).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.exceptions import ApplicationError
from core.models import Project
from dialogues.models import Candidate, Session, SourcePreference
from review.models import Choice, Item, TaskKind
from review.selectors.access import review_settings_for

# What a form sends for "not applicable" (None does the same from code).
NOT_APPLICABLE = "na"


class ItemError(ApplicationError):
    """An item change that cannot be made; ``field`` names the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ItemsAdded:
    created: int
    existing: int


def item_position(*, project_id: int, parts: Iterable[int]) -> int:
    """A stable pseudo-random queue position from the project and the item's content ids."""
    key = ":".join(str(part) for part in (project_id, *parts)).encode()
    # 7 bytes keep the number positive inside a signed 64-bit column.
    return int.from_bytes(hashlib.sha256(key).digest()[:7], "big")


def _audit_added(project: Project, actor: Any, kind: str, items: list[Item]) -> None:
    if items:
        audit_record(
            actor=actor,
            action=AuditAction.ITEMS_ADD,
            project=project,
            before=None,
            after={"kind": kind, "items": [item.pk for item in items]},
        )


def _require_task(project: Project, kinds: tuple[str, ...], message: str) -> None:
    """Items of a kind the project's tasks do not cover could never be reviewed."""
    settings = review_settings_for(project=project)
    if not any(settings.has_task(kind) for kind in kinds):
        raise ItemError(message, field="kind")


@transaction.atomic
def items_add_sessions(*, project: Project, sessions: QuerySet[Session], actor: Any) -> ItemsAdded:
    """One session item per session of the project not yet in it."""
    _require_task(
        project,
        (TaskKind.SCORING, TaskKind.REWRITE),
        _("Turn on session scoring or rewriting in the settings before adding sessions."),
    )
    chosen = sessions.filter(project=project)
    existing = set(
        Item.objects.filter(project=project, kind=Item.Kind.SESSION).values_list(
            "session_id", flat=True
        )
    )
    session_ids = list(chosen.values_list("pk", flat=True))
    new = [
        Item(
            project=project,
            kind=Item.Kind.SESSION,
            session_id=session_id,
            position=item_position(project_id=project.pk, parts=[session_id]),
            added_by=actor,
        )
        for session_id in session_ids
        if session_id not in existing
    ]
    created = Item.objects.bulk_create(new)
    if created and created[0].pk is None:  # backends that do not return ids from bulk inserts
        created = list(
            Item.objects.filter(
                project=project,
                kind=Item.Kind.SESSION,
                session_id__in=[item.session_id for item in new],
            )
        )
    _audit_added(project, actor, Item.Kind.SESSION, created)
    return ItemsAdded(created=len(created), existing=len(session_ids) - len(created))


def session_pairs(*, sessions: QuerySet[Session]) -> list[tuple[Candidate, Candidate]]:
    """The candidate pairs of these sessions, (preferred or first, other), in a stable order.

    Where the source recorded a preference at a context, its chosen/rejected pairs are the
    pairs; elsewhere every two imported candidates answering the same context make one.
    """
    candidates = Candidate.objects.filter(
        session__in=sessions, origin=Candidate.Origin.IMPORTED
    ).order_by("session_id", "turn_index", "key", "pk")
    by_context: dict[tuple[int, int], list[Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_context[(candidate.session_id, candidate.turn_index)].append(candidate)
    preferred: dict[tuple[int, int], list[tuple[Candidate, Candidate]]] = defaultdict(list)
    for preference in SourcePreference.objects.filter(session__in=sessions).select_related(
        "chosen", "rejected"
    ):
        chosen, rejected = preference.chosen, preference.rejected
        if chosen.turn_index == rejected.turn_index and chosen.pk != rejected.pk:
            preferred[(chosen.session_id, chosen.turn_index)].append((chosen, rejected))
    pairs: list[tuple[Candidate, Candidate]] = []
    for context in sorted(by_context):
        if context in preferred:
            pairs.extend(preferred[context])
        else:
            pairs.extend(combinations(by_context[context], 2))
    return pairs


@transaction.atomic
def items_add_pairs(*, project: Project, sessions: QuerySet[Session], actor: Any) -> ItemsAdded:
    """One pair item per candidate pair of the project's sessions not yet in it."""
    _require_task(
        project,
        (TaskKind.PAIRWISE,),
        _("Turn on response-pair preference in the settings before adding pairs."),
    )
    pairs = session_pairs(sessions=sessions.filter(project=project))
    existing = {
        frozenset(pair)
        for pair in Item.objects.filter(project=project, kind=Item.Kind.PAIR).values_list(
            "candidate_a_id", "candidate_b_id"
        )
    }
    new: list[Item] = []
    for first, second in pairs:
        key = frozenset((first.pk, second.pk))
        if key in existing:
            continue
        existing.add(key)
        new.append(
            Item(
                project=project,
                kind=Item.Kind.PAIR,
                session_id=first.session_id,
                turn_index=first.turn_index,
                candidate_a=first,
                candidate_b=second,
                position=item_position(project_id=project.pk, parts=[first.pk, second.pk]),
                added_by=actor,
            )
        )
    created = Item.objects.bulk_create(new)
    if created and created[0].pk is None:
        created = list(
            Item.objects.filter(
                project=project,
                kind=Item.Kind.PAIR,
                candidate_a_id__in=[item.candidate_a_id for item in new],
            )
        )
    _audit_added(project, actor, Item.Kind.PAIR, created)
    return ItemsAdded(created=len(created), existing=len(pairs) - len(created))


def _gold_scores(item: Item, raw: dict[str, Any]) -> dict[str, float | None]:
    rubric = review_settings_for(project=item.project).rubric
    if rubric is None:
        raise ItemError(_("Choose the project's rubric version before setting expected scores."))
    criteria = {criterion.code: criterion for criterion in rubric.criteria.all()}
    scores: dict[str, float | None] = {}
    for code, value in raw.items():
        criterion = criteria.get(code)
        if criterion is None:
            raise ItemError(
                _("%(code)s is not a criterion of %(rubric)s.") % {"code": code, "rubric": rubric},
                field=code,
            )
        if value == "":
            continue
        if value is None or value == NOT_APPLICABLE:
            if not criterion.allow_na:
                raise ItemError(
                    _("%(code)s cannot be marked not applicable.") % {"code": code}, field=code
                )
            scores[code] = None
            continue
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ItemError(
                _("%(code)s: “%(value)s” is not a number.") % {"code": code, "value": value},
                field=code,
            ) from None
        if number not in criterion.levels():
            raise ItemError(
                _("%(code)s: %(value)s is not a level of its scale.")
                % {"code": code, "value": value},
                field=code,
            )
        scores[code] = float(number)
    if not scores:
        raise ItemError(_("Give the expected score of at least one criterion."))
    return scores


@transaction.atomic
def item_gold_set(
    *, item: Item, actor: Any, scores: dict[str, Any] | None = None, choice: str = ""
) -> Item:
    """Make an item a gold (calibration) item with its expected scores or choice.

    Scores map criterion codes to a level, or None / "na" for "not applicable" where the
    criterion allows it; criteria left out or blank are not checked in calibration.
    """
    item = Item.objects.select_for_update().get(pk=item.pk)
    before = {
        "is_gold": item.is_gold,
        "gold_scores": item.gold_scores,
        "gold_choice": item.gold_choice,
    }
    if item.kind == Item.Kind.PAIR:
        if choice not in Choice.values:
            raise ItemError(_("Choose the expected answer for this pair."), field="choice")
        item.gold_scores, item.gold_choice = {}, choice
    else:
        item.gold_scores, item.gold_choice = _gold_scores(item, scores or {}), ""
    item.is_gold = True
    item.save(update_fields=["is_gold", "gold_scores", "gold_choice", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.ITEM_GOLD,
        obj=item,
        project=item.project,
        before=before,
        after={"is_gold": True, "gold_scores": item.gold_scores, "gold_choice": item.gold_choice},
    )
    return item


@transaction.atomic
def item_gold_clear(*, item: Item, actor: Any) -> Item:
    item = Item.objects.select_for_update().get(pk=item.pk)
    if not item.is_gold:
        return item
    before = {"is_gold": True, "gold_scores": item.gold_scores, "gold_choice": item.gold_choice}
    item.is_gold, item.gold_scores, item.gold_choice = False, {}, ""
    item.save(update_fields=["is_gold", "gold_scores", "gold_choice", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.ITEM_GOLD,
        obj=item,
        project=item.project,
        before=before,
        after={"is_gold": False, "gold_scores": {}, "gold_choice": ""},
    )
    return item
