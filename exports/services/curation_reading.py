"""Reading approved items from the database, a chunk at a time.

Items are read in primary-key order, a chunk at a time (ids through ``.iterator()``, then one
query per related table for the chunk), so memory stays bounded whatever the project's size and
the same data always yields the same items in the same order. The next chunk is read in a
thread while the one before becomes export items (``read_ahead``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django import db
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from dialogues.models import Flag
from dialogues.models import Turn as TurnRow
from exports.items import Turn
from exports.services.curation_rules import (
    REVIEWER_FLAG_REASON,
    REVIEWER_FLAGS,
    CurationRules,
    CurationStats,
)
from review.models import (
    Adjudication,
    Item,
    PairwiseJudgment,
    Review,
    Score,
)
from review.selectors.item_outcome import final_scores, latest_adjudications

T = TypeVar("T")

CHUNK = 2000


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of ``size`` (the last one shorter), read lazily."""
    chunk: list[T] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _among(queryset: QuerySet[Any], column: str, ids: Iterable[int]) -> QuerySet[Any]:
    """Rows of ``queryset`` whose ``column`` is one of ``ids``.

    On PostgreSQL the ids travel as one array parameter (``= ANY(%s)``): with thousands of
    placeholders per chunk, the driver's parsing of an ``IN`` list cost more than the query.
    The array goes as its text form, cast in SQL: psycopg's dumping of a Python list, one
    element at a time, measured about a tenth of a pair export's reading time.
    """
    ids = list(ids)
    if connection.vendor == "postgresql":
        table = queryset.model._meta.db_table
        # table and column are names from this module, never user input.
        where = f'"{table}"."{column}" = ANY(%s::bigint[])'
        array = "{" + ",".join(str(int(value)) for value in ids) + "}"
        return queryset.extra(where=[where], params=[array])  # noqa: S610
    return queryset.filter(**{f"{column}__in": ids})


def _fetch(queryset: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """``queryset.values_list(*fields)``, all rows at once, the tuples built by the driver.

    Django's own iteration fetches a hundred rows at a time and takes each through its row
    machinery in Python; for the million turn rows of a large export that was most of the
    reading thread's time, all of it holding the GIL the encoding thread needs. Here the
    compiled query runs on the connection's cursor and ``fetchall`` builds the rows; the
    fields' converters (JSON decoding, and SQLite's decimals and booleans) are Django's own,
    applied only where a field has one.
    """
    compiler = queryset.values_list(*fields).query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    with db.connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    # The selected columns as Django's own iteration takes them (results_iter).
    columns = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(columns)
    if converters:
        rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
    return rows


def sessions_flagged_by_reviewers(items: QuerySet[Item]) -> list[int]:
    """Sessions of ``items`` on which a submitted review (of any item) raised crisis or PII.

    Flags are a JSON list; reviews with any flag are few, so they are read and checked here
    rather than with a JSON lookup that SQLite lacks.
    """
    rows = (
        Review.objects.filter(
            status=Review.Status.SUBMITTED, item__session_id__in=items.values("session_id")
        )
        .exclude(flags=[])
        .values_list("item__session_id", "flags")
    )
    return sorted({session_id for session_id, flags in rows if REVIEWER_FLAGS & set(flags or ())})


LANGUAGE_OR_SOURCE = "language or source"


def considered_items(
    items: QuerySet[Item], *, rules: CurationRules, stats: CurationStats
) -> tuple[QuerySet[Item], int]:
    """``items`` counted as considered, then those in the rules' languages and sources, with
    how many they are (the others counted as left out for it)."""
    total = items.count()
    stats.considered += total
    if rules.languages:
        items = items.filter(session__language__in=rules.languages)
    if rules.source_formats:
        items = items.filter(session__source_format__in=rules.source_formats)
    after = items.count() if (rules.languages or rules.source_formats) else total
    if after < total:
        stats.left_out[LANGUAGE_OR_SOURCE] += total - after
    return items, after


def approved_items(*, rules: CurationRules, kind: str, stats: CurationStats) -> QuerySet[Item]:
    """The approved items of the rules' projects that pass the rules checked in SQL, counting
    at each step how many the rule left out."""
    items, after = considered_items(
        Item.objects.filter(
            project_id__in=rules.project_ids, status=Item.Status.APPROVED, is_gold=False, kind=kind
        ),
        rules=rules,
        stats=stats,
    )
    open_flags = Flag.objects.filter(session_id=OuterRef("session_id"), status=Flag.Status.OPEN)
    items = items.filter(~Exists(open_flags))
    flagged = after - items.count()
    if flagged:
        stats.left_out["open crisis or PII flag"] += flagged
    raised = sessions_flagged_by_reviewers(items)
    if raised:
        before_raised = after - flagged
        items = items.exclude(session_id__in=raised)
        dropped = before_raised - items.count()
        if dropped:
            stats.left_out[REVIEWER_FLAG_REASON] += dropped
            flagged += dropped
    if rules.min_reviewers > 0:
        before = after - flagged
        if kind == Item.Kind.SESSION:
            counted = Count("reviews", filter=Q(reviews__status=Review.Status.SUBMITTED))
        else:
            counted = Count(
                "judgments", filter=Q(judgments__status=PairwiseJudgment.Status.SUBMITTED)
            )
        items = items.annotate(reviewer_count=counted).filter(
            reviewer_count__gte=rules.min_reviewers
        )
        short = before - items.count()
        if short:
            stats.left_out["too few reviewers"] += short
    return items


@dataclass
class Chunk:
    """Everything the items of one chunk need, read with one query per table."""

    items: dict[int, dict[str, Any]]
    sessions: dict[int, dict[str, Any]]
    turns: dict[int, list[Turn]]
    reviewers: dict[int, list[int]]
    rubrics: dict[int, int]
    final_scores: dict[int, dict[str, Decimal | None]]
    adjudicated_total: dict[int, Decimal | None]
    # Session items: the share of criteria on which every reviewer gave the same score.
    agreement: dict[int, float | None] = field(default_factory=dict)


ITEM_FIELDS = ("pk", "project_id", "session_id", "turn_index", "candidate_a_id", "candidate_b_id")
SESSION_FIELDS = ("pk", "source_format", "source_id", "content_hash", "language", "metadata")
# The session's fields as read with its item (its pk is the item's session_id).
SESSION_OF_ITEM = tuple(f"session__{name}" for name in SESSION_FIELDS[1:])


def read_chunk(item_ids: Sequence[int]) -> Chunk:
    # Items with their sessions, in one round trip; without the model's ordering, which joins
    # the project table and sorts every chunk.
    item_rows = _among(Item.objects.order_by(), "id", item_ids)
    width = len(ITEM_FIELDS)
    items: dict[int, dict[str, Any]] = {}
    sessions: dict[int, dict[str, Any]] = {}
    for row in _fetch(item_rows, *ITEM_FIELDS, *SESSION_OF_ITEM):
        item = dict(zip(ITEM_FIELDS, row[:width], strict=True))
        items[row[0]] = item
        if item["session_id"] not in sessions:
            session_values = (item["session_id"], *row[width:])
            sessions[item["session_id"]] = dict(zip(SESSION_FIELDS, session_values, strict=True))
    session_ids = sorted(sessions)
    turns: dict[int, list[Turn]] = defaultdict(list)
    turn_rows = _among(TurnRow.objects.all(), "session_id", session_ids).order_by(
        "session_id", "index"
    )
    for session_id, speaker, text in _fetch(turn_rows, "session_id", "speaker", "text"):
        turns[session_id].append(Turn(speaker, text))
    reviewers: dict[int, list[int]] = defaultdict(list)
    rubrics: dict[int, int] = {}
    item_of_review: dict[int, int] = {}
    review_rows = _among(
        Review.objects.filter(status=Review.Status.SUBMITTED), "item_id", item_ids
    ).order_by("item_id", "pk")
    for review_id, item_id, reviewer_id, rubric_id in _fetch(
        review_rows, "pk", "item_id", "reviewer_id", "rubric_id"
    ):
        item_of_review[review_id] = item_id
        reviewers[item_id].append(reviewer_id)
        rubrics.setdefault(item_id, rubric_id)
    values: dict[int, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    codes: dict[int, set[str]] = defaultdict(set)
    # Scores are read by the ids of the reviews just read: filtered through a join on the
    # reviews' item instead, PostgreSQL hashed the whole score table for every chunk (a
    # quarter of a large export's reading time). order_by() drops the model's ordering,
    # whose joins would cost the same.
    score_rows = _among(Score.objects.all(), "review_id", item_of_review).order_by()
    for review_id, code, value, not_applicable in _fetch(
        score_rows, "review_id", "criterion__code", "value", "not_applicable"
    ):
        item_id = item_of_review[review_id]
        codes[item_id].add(code)
        if not not_applicable and value is not None:
            values[item_id][code].append(value)
    latest = latest_adjudications(
        adjudications=_among(Adjudication.objects.all(), "item_id", item_ids)
    )
    final: dict[int, dict[str, Decimal | None]] = {}
    adjudicated_total: dict[int, Decimal | None] = {}
    for item_id in item_ids:
        adjudication = latest.get(item_id)
        final[item_id] = final_scores(
            codes=codes[item_id], scored=values.get(item_id, {}), adjudication=adjudication
        )
        if adjudication is not None and adjudication.decides_scores:
            adjudicated_total[item_id] = adjudication.total
            if adjudication.rubric_id:
                rubrics[item_id] = adjudication.rubric_id
    agreement = {item_id: _score_agreement(values.get(item_id, {})) for item_id in item_ids}
    return Chunk(items, sessions, turns, reviewers, rubrics, final, adjudicated_total, agreement)


def _score_agreement(scored: dict[str, list[Decimal]]) -> float | None:
    """The share of criteria, among those two or more reviewers scored, on which all of them
    gave the same score (None with fewer than two reviews). Exact agreement, because a
    tolerance of one point would mean nothing on a met / not-met criterion."""
    compared = [values for values in scored.values() if len(values) >= 2]
    if not compared:
        return None
    # min and max rather than a set: hashing a Decimal costs several times a comparison.
    same = sum(1 for values in compared if min(values) == max(values))
    return same / len(compared)


def _read_ahead(
    chunks: Iterator[list[int]], read: Callable[[Sequence[int]], T]
) -> Iterator[tuple[list[int], T]]:
    """Each chunk with what ``read`` made of it, the next chunk being read meanwhile.

    The database answers while Python encodes and groups the chunk before, which roughly halves
    the wall time of a large export. A thread has its own connection, so it cannot see data
    of a transaction still open (a test's, or a caller's atomic block): there chunks are read
    in turn. The reading thread keeps its connection from chunk to chunk (opening one per
    chunk cost about a second of a 100,000-item export) and closes it when reading ends,
    however it ends.
    """
    if db.connection.in_atomic_block:
        for chunk_ids in chunks:
            yield chunk_ids, read(chunk_ids)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read") as pool:
        try:
            pending: tuple[list[int], Future[T]] | None = None
            for chunk_ids in chunks:
                future = pool.submit(read, chunk_ids)
                if pending is not None:
                    yield pending[0], pending[1].result()
                pending = (chunk_ids, future)
            if pending is not None:
                yield pending[0], pending[1].result()
        finally:
            # The pool's one thread runs this after any read still going.
            pool.submit(db.connections.close_all).result()
