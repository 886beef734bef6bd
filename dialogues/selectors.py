"""Access-checked reads of sessions and import batches.

Leads of a project import and browse everything in it. Reviewers reach only the sessions
assigned to them, through the review app's own selectors; trainers see no sessions at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Upper
from django.http import Http404

from core.models import Project, Role
from core.selectors import project_get_for_user
from dialogues.models import Flag, ImportBatch, Session, SessionSearch, Turn

LEAD_ROLES = (Role.LEAD,)


def session_get_for_user(*, session_id: int, user: User) -> Session:
    """A session for a lead of its project: 404 for anyone outside it, 403 for other roles.

    The review app reaches the sessions assigned to a reviewer through its own selectors.
    """
    if not user.is_authenticated:
        raise Http404
    session = Session.objects.select_related("project", "batch").filter(pk=session_id).first()
    if session is None:
        raise Http404
    project_get_for_user(slug=session.project.slug, user=user, roles=LEAD_ROLES)
    return session


def batch_get_for_user(*, batch_id: int, user: User) -> ImportBatch:
    """An import batch for a lead of its project: 404 outside it, 403 for other roles."""
    if not user.is_authenticated:
        raise Http404
    batch = (
        ImportBatch.objects.select_related("project", "created_by", "job")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise Http404
    project_get_for_user(slug=batch.project.slug, user=user, roles=LEAD_ROLES)
    return batch


def batches_for_project(*, project: Project) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(project=project).select_related("created_by", "job")


@dataclass(frozen=True)
class SessionFilters:
    """What the session list was asked for; empty values filter nothing."""

    q: str = ""
    source: str = ""
    language: str = ""
    topic: str = ""
    technique: str = ""
    label: str = ""
    flags: str = ""  # "open", "any", "none" or ""
    batch: int | None = None
    since: date | None = None
    until: date | None = None


def _open_flag_count() -> Any:
    counts = (
        Flag.objects.filter(session=OuterRef("pk"), status=Flag.Status.OPEN)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def session_list(*, project: Project, filters: SessionFilters) -> QuerySet[Session]:
    """The project's sessions, filtered, newest import first, each with its open flag count.

    Every filter is on the session row or an EXISTS subquery, so counting the pages never
    joins; the flag count is a subquery evaluated only for the rows of the page shown.
    """
    sessions = Session.objects.filter(project=project)
    if filters.q:
        sessions = sessions.filter(_matching(project, filters.q))
    if filters.source:
        sessions = sessions.filter(source_format=filters.source)
    if filters.language:
        sessions = sessions.filter(language=filters.language)
    if filters.topic:
        sessions = sessions.filter(topic=filters.topic)
    if filters.technique:
        sessions = sessions.filter(metadata__cbt_technique=filters.technique)
    if filters.label:
        sessions = _with_label(sessions, filters.label)
    if filters.flags:
        any_flag = Flag.objects.filter(session=OuterRef("pk"))
        if filters.flags == "open":
            sessions = sessions.filter(Exists(any_flag.filter(status=Flag.Status.OPEN)))
        elif filters.flags == "any":
            sessions = sessions.filter(Exists(any_flag))
        elif filters.flags == "none":
            sessions = sessions.exclude(Exists(any_flag))
    if filters.batch is not None:
        sessions = sessions.filter(batch_id=filters.batch)
    if filters.since is not None:
        sessions = sessions.filter(created_at__date__gte=filters.since)
    if filters.until is not None:
        sessions = sessions.filter(created_at__date__lte=filters.until)
    return sessions.annotate(open_flags=_open_flag_count()).order_by("-batch_id", "pk")


def search_pending(*, project: Project) -> bool:
    """Whether some of the project's sessions have no search document yet."""
    return Session.objects.filter(project=project, search__isnull=True).exists()


def _matching(project: Project, q: str) -> Q:
    """Sessions whose id, topic or turns contain ``q``, ignoring case, whatever is indexed yet.

    Documents are upper-cased when built, and the query is upper-cased by the same database
    function, so the comparison is the one ``icontains`` made on each turn. Uncorrelated, so
    PostgreSQL runs it once over the trigram index and hashes the session ids. Sessions whose
    document an import has not built yet are searched through their turns (unindexed, so
    slower, and the list says so), never left out.
    """
    indexed = SessionSearch.objects.filter(document__contains=Upper(Value(q))).values("session_id")
    match = Q(source_id__icontains=q) | Q(topic__icontains=q) | Q(pk__in=indexed)
    if search_pending(project=project):
        unindexed = Turn.objects.filter(
            session__project=project, session__search__isnull=True, text__icontains=q
        ).values("session_id")
        match |= Q(pk__in=unindexed)
    return match


def _with_label(sessions: QuerySet[Session], label: str) -> QuerySet[Session]:
    if connection.vendor == "postgresql":
        return sessions.filter(labels__contains=[label])
    # SQLite has no JSON containment lookup; json_each reads the list. The label is a parameter.
    return sessions.extra(
        where=['EXISTS (SELECT 1 FROM json_each("dialogues_session"."labels") WHERE value = %s)'],
        params=[label],
    )


def _labels_present(project: Project, limit: int = 500) -> list[str]:
    """The distinct labels of the project's sessions; one scan of its rows, like the topics."""
    if connection.vendor == "postgresql":
        sql = (
            "SELECT DISTINCT label FROM dialogues_session, "
            "jsonb_array_elements_text(dialogues_session.labels) AS label "
            "WHERE project_id = %s AND jsonb_typeof(labels) = 'array' AND labels <> '[]' LIMIT %s"
        )
    else:
        sql = (
            "SELECT DISTINCT json_each.value FROM dialogues_session, "
            "json_each(dialogues_session.labels) "
            "WHERE project_id = %s AND json_type(labels) = 'array' LIMIT %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk, limit])
        return sorted(str(row[0]) for row in cursor.fetchall() if row[0])


def session_filter_choices(*, project: Project) -> dict[str, list[str]]:
    """Values offered in the list's filters: the formats, topics and techniques present."""
    sessions = Session.objects.filter(project=project).order_by()
    techniques = (
        sessions.exclude(metadata__cbt_technique=None)
        .values_list("metadata__cbt_technique", flat=True)
        .distinct()[:200]
    )
    return {
        "sources": sorted(sessions.values_list("source_format", flat=True).distinct()),
        "topics": sorted(t for t in sessions.values_list("topic", flat=True).distinct()[:500] if t),
        "techniques": sorted({str(t) for t in techniques if t}),
        "labels": _labels_present(project),
    }


def session_detail(*, session: Session) -> dict[str, Any]:
    """Everything the session page shows, in a handful of queries."""
    turns = list(session.turns.all())
    flags = list(session.flags.select_related("turn", "candidate", "cleared_by"))
    candidates = list(session.candidates.all())
    ratings = list(session.source_ratings.all())
    preferences = list(session.source_preferences.all())
    flags_by_turn: dict[int, list[Flag]] = {}
    flags_by_candidate: dict[int, list[Flag]] = {}
    for flag in flags:
        if flag.turn_id is not None:
            flags_by_turn.setdefault(flag.turn_id, []).append(flag)
        if flag.candidate_id is not None:
            flags_by_candidate.setdefault(flag.candidate_id, []).append(flag)
    ratings_by_candidate: dict[int | None, list[Any]] = {}
    for rating in ratings:
        ratings_by_candidate.setdefault(rating.candidate_id, []).append(rating)
    chosen = {p.chosen_id for p in preferences}
    rejected = {p.rejected_id for p in preferences}
    for turn in turns:
        turn.flag_list = flags_by_turn.get(turn.pk, [])  # type: ignore[attr-defined]
    for candidate in candidates:
        candidate.flag_list = flags_by_candidate.get(candidate.pk, [])  # type: ignore[attr-defined]
        candidate.rating_list = ratings_by_candidate.get(candidate.pk, [])  # type: ignore[attr-defined]
        candidate.preferred = (  # type: ignore[attr-defined]
            "chosen" if candidate.pk in chosen else "rejected" if candidate.pk in rejected else ""
        )
    return {
        "turns": turns,
        "flags": flags,
        "candidates": candidates,
        "session_ratings": ratings_by_candidate.get(None, []),
        "preferences": preferences,
        "open_flags": sum(1 for f in flags if f.status == Flag.Status.OPEN),
    }


ERROR_COLUMNS = ("file", "line", "record", "field", "message")


def batch_errors_rows(*, batch: ImportBatch) -> Iterator[list[Any]]:
    """The batch's error report, one problem a row after the header (see core.spreadsheets)."""
    yield list(ERROR_COLUMNS)
    for error in batch.errors:
        yield [error.get(column) for column in ERROR_COLUMNS]


def flag_get_for_user(*, flag_id: int, user: User) -> Flag:
    """A flag with its session, turn and candidate, for a lead of its project.

    404 when the caller is not a member of the project, 403 for a member who is not a lead.
    """
    if not user.is_authenticated:
        raise Http404
    flag = (
        Flag.objects.select_related("session__project", "turn", "candidate", "cleared_by")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None:
        raise Http404
    project_get_for_user(slug=flag.session.project.slug, user=user, roles=LEAD_ROLES)
    return flag
