"""From the database to ExportItems: which approved items an export takes, and as what.

Items are read in primary-key order, a chunk at a time (ids through ``.iterator()``, then one
query per related table for the chunk), so memory stays bounded whatever the project's size and
the same data always yields the same items in the same order. Final scores are
review.outcome's rule (``final_scores`` over ``latest_adjudications``), fed here from rows read
a chunk at a time because the per-item selectors would cost several queries an item.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django import db
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from core.models import Project
from dialogues.models import Candidate, Flag, Session, SourcePreference, SourceRating
from dialogues.models import Turn as TurnRow
from exports.items import DpoPair, ExportItem, SftSession, Turn, item_check
from exports.models import DpoSource, ExportSpecification, SystemPromptMode, TiePolicy
from exports.pseudonyms import reviewer_pseudonym
from review.models import (
    Adjudication,
    Choice,
    Item,
    PairwiseJudgment,
    Review,
    ReviewFlag,
    ReviewSettings,
    Rewrite,
    Score,
)
from review.outcome import final_scores, latest_adjudications
from review.services.approval import item_final_total
from rubrics.models import Rubric
from rubrics.scoring import ScoreError, rubric_score

T = TypeVar("T")

CHUNK = 2000
# Left-out examples kept for the summary (the counts are complete).
EXAMPLES_KEPT = 20


def pseudonym_salt() -> str:
    """The key of reviewer pseudonyms: its own setting, else one derived from SECRET_KEY (so
    the secret itself never keys anything that is published)."""
    if settings.EXPORT_PSEUDONYM_SALT:
        return str(settings.EXPORT_PSEUDONYM_SALT)
    return hmac.new(
        settings.SECRET_KEY.encode(), b"rapport.exports.pseudonyms", hashlib.sha256
    ).hexdigest()


@dataclass(frozen=True)
class CurationRules:
    """The rules of a specification as plain values (what the manifest records)."""

    project_ids: tuple[int, ...]
    kind: str
    min_total: Decimal | None = None
    min_scores: dict[str, Decimal] = field(default_factory=dict)
    min_reviewers: int = 1
    min_agreement: dict[str, float] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    source_formats: tuple[str, ...] = ()
    dpo_sources: tuple[str, ...] = (DpoSource.PAIRWISE, DpoSource.REWRITES)
    tie_policy: str = TiePolicy.DROP
    margin_threshold: Decimal = Decimal(1)
    system_prompt_mode: str = SystemPromptMode.NONE
    system_prompt_text: str = ""
    # (id, slug) of each project, for the manifest; empty when only ids were given.
    projects: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(
        cls, specification: ExportSpecification, *, project_ids: Iterable[int] | None = None
    ) -> CurationRules:
        """The rules of a specification; ``project_ids`` for one not saved (the command's)."""
        if project_ids is None:
            project_ids = specification.projects.values_list("pk", flat=True)
        project_ids = tuple(sorted(project_ids))
        projects = tuple(
            Project.objects.filter(pk__in=project_ids).order_by("pk").values_list("pk", "slug")
        )
        return cls(
            project_ids=project_ids,
            projects=projects,
            kind=specification.kind,
            min_total=specification.min_total,
            min_scores={k: Decimal(str(v)) for k, v in (specification.min_scores or {}).items()},
            min_reviewers=specification.min_reviewers,
            min_agreement={k: float(v) for k, v in (specification.min_agreement or {}).items()},
            languages=tuple(specification.languages or ()),
            source_formats=tuple(specification.source_formats or ()),
            dpo_sources=tuple(specification.dpo_sources or ()),
            tie_policy=specification.tie_policy,
            margin_threshold=specification.margin_threshold,
            system_prompt_mode=specification.system_prompt_mode,
            system_prompt_text=specification.system_prompt_text,
        )

    def as_dict(self) -> dict[str, Any]:
        slugs = dict(self.projects)
        rules: dict[str, Any] = {
            "projects": [{"id": pk, "slug": slugs.get(pk)} for pk in self.project_ids],
            "approved_items_only": True,
            "open_flags": "excluded",
            "reviewer_flags": sorted(REVIEWER_FLAGS),
            "min_total": str(self.min_total) if self.min_total is not None else None,
            "min_scores": {k: str(v) for k, v in sorted(self.min_scores.items())},
            "min_reviewers": self.min_reviewers,
            "min_agreement": dict(sorted(self.min_agreement.items())),
            "languages": sorted(self.languages),
            "source_formats": sorted(self.source_formats),
            "system_prompt": self.system_prompt_mode,
        }
        if self.system_prompt_mode == SystemPromptMode.FIXED:
            rules["system_prompt_text"] = self.system_prompt_text
        if self.kind == "dpo":
            rules.update(
                dpo_sources=sorted(self.dpo_sources),
                tie_policy=self.tie_policy,
                margin_threshold=str(self.margin_threshold),
            )
        return rules


@dataclass
class CurationStats:
    """What curation kept and left out, and the score distributions of what it kept."""

    considered: int = 0
    kept: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    # criterion code -> final score -> items
    scores: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sources: Counter[str] = field(default_factory=Counter)

    def leave_out(self, reason: str, example: str = "") -> None:
        self.left_out[reason] += 1
        if example and len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(example)

    def as_dict(self) -> dict[str, Any]:
        return {
            "considered": self.considered,
            "kept": self.kept,
            "left_out": dict(sorted(self.left_out.items())),
            "examples": self.examples,
            "scores": {
                code: dict(sorted(counts.items(), key=lambda kv: float(kv[0])))
                for code, counts in sorted(self.scores.items())
            },
            "sources": dict(sorted(self.sources.items())),
        }


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    chunk: list[int] = []
    for value in ids:
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


@functools.lru_cache(maxsize=4096)
def _pseudonym(reviewer_id: int, salt: str) -> str:
    # A project has few reviewers and many items: one HMAC per reviewer, not per review.
    return reviewer_pseudonym(reviewer_id=reviewer_id, salt=salt)


@functools.lru_cache(maxsize=4096)
def _shown_score(value: float) -> str:
    return _number(Decimal(str(value)))


def _number(value: Decimal) -> str:
    """A score as the distributions show it: 3, 3.5, never 3.000."""
    text = format(value.normalize(), "f")
    return text


# A flag a reviewer raises in a submitted review has no clearing step (only screening flags
# do), so it excludes the item for good; the reason says so.
REVIEWER_FLAG_REASON = "crisis or PII flag raised by a reviewer (reviewer flags cannot be cleared)"
REVIEWER_FLAGS = frozenset({ReviewFlag.CRISIS, ReviewFlag.PII})


def _sessions_flagged_by_reviewers(items: QuerySet[Item]) -> list[int]:
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


def approved_items(*, rules: CurationRules, kind: str, stats: CurationStats) -> QuerySet[Item]:
    """The approved items of the rules' projects that pass the rules checked in SQL, counting
    at each step how many the rule left out."""
    items = Item.objects.filter(
        project_id__in=rules.project_ids, status=Item.Status.APPROVED, is_gold=False, kind=kind
    )
    total = items.count()
    stats.considered += total
    if rules.languages:
        items = items.filter(session__language__in=rules.languages)
    if rules.source_formats:
        items = items.filter(session__source_format__in=rules.source_formats)
    after = items.count() if (rules.languages or rules.source_formats) else total
    if after < total:
        stats.left_out["language or source"] += total - after
    open_flags = Flag.objects.filter(session_id=OuterRef("session_id"), status=Flag.Status.OPEN)
    items = items.filter(~Exists(open_flags))
    flagged = after - items.count()
    if flagged:
        stats.left_out["open crisis or PII flag"] += flagged
    raised = _sessions_flagged_by_reviewers(items)
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
class _Chunk:
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


def _read_chunk(item_ids: Sequence[int]) -> _Chunk:
    # Without the model's ordering, which joins the project table and sorts every chunk.
    item_rows = _among(Item.objects.order_by(), "id", item_ids)
    items: dict[int, dict[str, Any]] = {
        row[0]: dict(zip(ITEM_FIELDS, row, strict=True)) for row in _fetch(item_rows, *ITEM_FIELDS)
    }
    session_ids = sorted({row["session_id"] for row in items.values()})
    sessions: dict[int, dict[str, Any]] = {
        row[0]: dict(zip(SESSION_FIELDS, row, strict=True))
        for row in _fetch(_among(Session.objects.all(), "id", session_ids), *SESSION_FIELDS)
    }
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
    return _Chunk(items, sessions, turns, reviewers, rubrics, final, adjudicated_total, agreement)


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


class _RubricCache:
    def __init__(self) -> None:
        self._rubrics: dict[int, Rubric] = {}

    def get(self, rubric_id: int) -> Rubric:
        if rubric_id not in self._rubrics:
            self._rubrics[rubric_id] = Rubric.objects.prefetch_related("criteria", "groups").get(
                pk=rubric_id
            )
        return self._rubrics[rubric_id]

    def label(self, rubric_id: int | None) -> str | None:
        return str(self.get(rubric_id)) if rubric_id else None


def _scores_pass(
    *,
    rules: CurationRules,
    item_id: int,
    chunk: _Chunk,
    rubrics: _RubricCache,
    stats: CurationStats,
) -> bool:
    scores = chunk.final_scores.get(item_id, {})
    for code, bar in sorted(rules.min_scores.items()):
        value = scores.get(code)
        if value is None or value < bar:
            shown = "—" if value is None else _number(value)
            stats.leave_out(f"{code} below {_number(bar)}", f"item {item_id}: {code} = {shown}")
            return False
    if rules.min_total is not None:
        total = chunk.adjudicated_total.get(item_id)
        rubric_id = chunk.rubrics.get(item_id)
        if total is None and rubric_id:
            rubric = rubrics.get(rubric_id)
            filled = {c.code: scores.get(c.code) for c in rubric.criteria.all()}
            try:
                total = rubric_score(rubric=rubric, scores=filled).total
            except ScoreError:
                # A median between two scale steps (scores 3 and 4 give 3.5): approval's rule
                # then takes the median of the reviews' own totals, and so must curation, or
                # an item approved for its total would be left out for it. Rare, so the
                # per-item queries do not matter.
                total = item_final_total(item=Item.objects.get(pk=item_id))
        if total is None or total < rules.min_total:
            shown = "—" if total is None else _number(total)
            stats.leave_out(
                f"total below {_number(rules.min_total)}", f"item {item_id}: total = {shown}"
            )
            return False
    return True


def _system_prompt(rules: CurationRules, metadata: dict[str, Any]) -> str | None:
    if rules.system_prompt_mode == SystemPromptMode.FIXED:
        return rules.system_prompt_text or None
    if rules.system_prompt_mode == SystemPromptMode.INTAKE:
        parts = []
        intake = metadata.get("intake_form")
        plan = metadata.get("cbt_plan")
        technique = metadata.get("cbt_technique")
        if intake:
            parts.append(f"Client intake form:\n{_text(intake)}")
        if technique:
            parts.append(f"CBT technique: {_text(technique)}")
        if plan:
            parts.append(f"CBT plan:\n{_text(plan)}")
        if parts:
            return "You are a counselor using cognitive behavioral therapy.\n\n" + "\n\n".join(
                parts
            )
    return None


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


PERSONA_FIELDS = ("thought", "persona", "intake_form")


def _persona(metadata: dict[str, Any]) -> str | None:
    """The client thought or persona items are generated from: one group per persona."""
    for key in PERSONA_FIELDS:
        value = metadata.get(key)
        if value:
            return _text(value)
    return None


def _links(session: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Keys that relate this item to others whatever project or import they came from.

    The same source record imported twice (into two projects of one specification, or again
    after an edit) has two database rows: its source id or content hash still links them.
    Every persona field gives its own key, so two sessions sharing an intake form stay
    together even when one of them also has a thought.
    """
    links: list[tuple[str, str]] = []
    if session.get("source_id"):
        links.append(("session", f"source:{session['source_format']}:{session['source_id']}"))
    if session.get("content_hash"):
        links.append(("session", f"content:{session['content_hash']}"))
    metadata = session["metadata"] or {}
    for key in PERSONA_FIELDS:
        value = metadata.get(key)
        if value:
            links.append(("persona", _text(value)))
    return tuple(links)


def _base(
    *,
    rules: CurationRules,
    item_id: int,
    chunk: _Chunk,
    rubrics: _RubricCache,
    salt: str,
    export_id: str,
    reviewers: Sequence[int] | None = None,
    agreement: float | None = None,
    rubric_id: int | None = None,
) -> dict[str, Any]:
    row = chunk.items[item_id]
    session = chunk.sessions[row["session_id"]]
    metadata = session["metadata"] or {}
    scores = {
        code: float(value)
        for code, value in chunk.final_scores.get(item_id, {}).items()
        if value is not None
    }
    people = chunk.reviewers.get(item_id, []) if reviewers is None else reviewers
    return {
        "item_id": export_id,
        "source": session["source_format"],
        "language": session["language"],
        "session_id": f"session-{row['session_id']}",
        "persona": _persona(metadata),
        "links": _links(session),
        "rubric_version": rubrics.label(rubric_id or chunk.rubrics.get(item_id)),
        "scores": scores,
        "agreement": agreement if agreement is not None else chunk.agreement.get(item_id),
        "reviewers": tuple(_pseudonym(r, salt) for r in people),
        "system_prompt": _system_prompt(rules, metadata),
    }


def _checked(item: ExportItem, stats: CurationStats) -> ExportItem | None:
    try:
        item_check(item=item)
    except ValueError as error:
        stats.leave_out("cannot become a training row", str(error))
        return None
    return item


def sft_items(*, rules: CurationRules, stats: CurationStats, salt: str) -> Iterator[SftSession]:
    items = approved_items(rules=rules, kind=Item.Kind.SESSION, stats=stats)
    rubrics = _RubricCache()
    ids = items.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk_ids, chunk in _read_ahead(_chunks(ids, CHUNK), _read_chunk):
        for item_id in chunk_ids:
            if not _scores_pass(
                rules=rules, item_id=item_id, chunk=chunk, rubrics=rubrics, stats=stats
            ):
                continue
            session_id = chunk.items[item_id]["session_id"]
            base = _base(
                rules=rules,
                item_id=item_id,
                chunk=chunk,
                rubrics=rubrics,
                salt=salt,
                export_id=f"item-{item_id}",
            )
            item = _checked(SftSession(turns=chunk.turns[session_id], **base), stats)
            if item is not None:
                _count(stats, item, source="session")
                yield item  # type: ignore[misc]


def _count(stats: CurationStats, item: ExportItem, *, source: str) -> None:
    stats.kept += 1
    stats.sources[source] += 1
    for code, value in item.scores.items():
        stats.scores[code][_shown_score(value)] += 1


VETO = "veto"


def pair_verdict(*, votes: Sequence[str], adjudicated: str, tie_policy: str) -> str | None:
    """What a pair's clinicians decided: "a" or "b", VETO, or None when no vote counted.

    A lead's adjudication is final: a or b wins, a tie or "both unacceptable" vetoes the pair.
    Otherwise the reviewers' votes: "both bad" always counts, "tie" is set aside under the skip
    policy and counts under drop. A strict majority for a or b wins; anything else (a majority
    for tie or both bad, or an even split) vetoes, so no other source may overrule the
    clinicians. None means nobody's vote counted, and only then may imported preferences or
    score margins decide.
    """
    if adjudicated:
        return adjudicated if adjudicated in (Choice.A, Choice.B) else VETO
    counted = [v for v in votes if v != Choice.TIE] if tie_policy == TiePolicy.SKIP else votes
    counts = Counter(counted)
    if not counts:
        return None
    (top, top_count), *rest = counts.most_common()
    if rest and rest[0][1] == top_count:
        return VETO
    if top_count * 2 <= len(counted):
        return VETO
    return top if top in (Choice.A, Choice.B) else VETO


def pair_choice(*, votes: Sequence[str], adjudicated: str, tie_policy: str) -> str | None:
    """The candidate ("a" or "b") a pair's clinicians preferred, or None when there is none."""
    verdict = pair_verdict(votes=votes, adjudicated=adjudicated, tie_policy=tie_policy)
    return verdict if verdict in (Choice.A, Choice.B) else None


def _pair_extras(chunk_ids: Sequence[int], chunk: _Chunk) -> dict[str, Any]:
    votes: dict[int, list[str]] = defaultdict(list)
    voters: dict[int, list[int]] = defaultdict(list)
    for item_id, reviewer_id, choice in (
        _among(
            PairwiseJudgment.objects.filter(status=PairwiseJudgment.Status.SUBMITTED),
            "item_id",
            chunk_ids,
        )
        .order_by("item_id", "pk")
        .values_list("item_id", "reviewer_id", "choice")
    ):
        votes[item_id].append(choice)
        voters[item_id].append(reviewer_id)
    adjudicated = {
        item_id: adjudication.choice
        for item_id, adjudication in latest_adjudications(
            adjudications=_among(Adjudication.objects.all(), "item_id", chunk_ids)
        ).items()
    }
    candidate_ids = {
        row[key] for row in chunk.items.values() for key in ("candidate_a_id", "candidate_b_id")
    }
    texts = dict(_among(Candidate.objects.all(), "id", candidate_ids).values_list("pk", "text"))
    # Through _among like every other chunk query: an IN list of a chunk's 4,000 candidates
    # cost more in Django's and the driver's handling of placeholders than in the database.
    among_chosen = _among(SourcePreference.objects.all(), "chosen_id", candidate_ids)
    preferences = {
        (chosen, rejected)
        for chosen, rejected in _among(among_chosen, "rejected_id", candidate_ids).values_list(
            "chosen_id", "rejected_id"
        )
    }
    ratings: dict[int, list[float]] = defaultdict(list)
    for candidate_id, score in _among(
        SourceRating.objects.all(), "candidate_id", candidate_ids
    ).values_list("candidate_id", "score"):
        ratings[candidate_id].append(score)
    return {
        "votes": votes,
        "voters": voters,
        "adjudicated": adjudicated,
        "texts": texts,
        "preferences": preferences,
        "ratings": {k: sum(v) / len(v) for k, v in ratings.items()},
    }


def _read_pair_chunk(chunk_ids: Sequence[int]) -> tuple[_Chunk, dict[str, Any]]:
    chunk = _read_chunk(chunk_ids)
    return chunk, _pair_extras(chunk_ids, chunk)


def _pair_winner(
    *, rules: CurationRules, item_id: int, row: dict[str, Any], extras: dict[str, Any]
) -> tuple[str, str] | None:
    """(winner, which source decided) for a pair item, or None.

    The clinicians' verdict comes first and a veto (adjudicated or by majority) is final.
    Imported preferences and score margins fill in only where no reviewer's vote counted
    (the item is approved, so it has been reviewed either way), or, for an imported
    preference, where it agrees with the reviewers' choice.
    """
    a, b = row["candidate_a_id"], row["candidate_b_id"]
    votes = extras["votes"].get(item_id, [])
    adjudicated = extras["adjudicated"].get(item_id, "")
    verdict = pair_verdict(votes=votes, adjudicated=adjudicated, tie_policy=rules.tie_policy)
    if verdict == VETO:
        return None
    if DpoSource.PAIRWISE in rules.dpo_sources and verdict:
        return verdict, DpoSource.PAIRWISE
    if DpoSource.IMPORTED in rules.dpo_sources:
        for winner, chosen, rejected in (("a", a, b), ("b", b, a)):
            if (chosen, rejected) in extras["preferences"] and verdict in (None, winner):
                return winner, DpoSource.IMPORTED
    if DpoSource.MARGINS in rules.dpo_sources and verdict is None:
        score_a, score_b = extras["ratings"].get(a), extras["ratings"].get(b)
        if score_a is not None and score_b is not None:
            margin = Decimal(str(score_a)) - Decimal(str(score_b))
            # "Above" the threshold: a margin equal to it is not enough.
            if abs(margin) > rules.margin_threshold:
                return ("a" if margin > 0 else "b"), DpoSource.MARGINS
    return None


def _pairs_from_pair_items(
    *, rules: CurationRules, stats: CurationStats, salt: str, rubrics: _RubricCache
) -> Iterator[DpoPair]:
    wanted = {DpoSource.PAIRWISE, DpoSource.IMPORTED, DpoSource.MARGINS}
    if not wanted & set(rules.dpo_sources):
        return
    items = approved_items(rules=rules, kind=Item.Kind.PAIR, stats=stats)
    # Pairs are judged against the project's principles for pairs, when it has them.
    pair_rubrics = dict(
        ReviewSettings.objects.filter(project_id__in=rules.project_ids).values_list(
            "project_id", "pair_rubric_id"
        )
    )
    ids = items.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk_ids, (chunk, extras) in _read_ahead(_chunks(ids, CHUNK), _read_pair_chunk):
        for item_id in chunk_ids:
            row = chunk.items[item_id]
            decided = _pair_winner(rules=rules, item_id=item_id, row=row, extras=extras)
            if decided is None:
                stats.leave_out("no clear preference", f"pair item {item_id}")
                continue
            winner, source = decided
            chosen, rejected = (
                (row["candidate_a_id"], row["candidate_b_id"])
                if winner == "a"
                else (row["candidate_b_id"], row["candidate_a_id"])
            )
            votes = extras["votes"].get(item_id, [])
            agreement = (sum(v == winner for v in votes) / len(votes)) if votes else None
            base = _base(
                rules=rules,
                item_id=item_id,
                chunk=chunk,
                rubrics=rubrics,
                salt=salt,
                export_id=f"pair-{item_id}",
                reviewers=extras["voters"].get(item_id, []),
                agreement=agreement,
                rubric_id=pair_rubrics.get(row["project_id"]),
            )
            turns = chunk.turns[row["session_id"]][: row["turn_index"]]
            pair = DpoPair(
                prompt=turns,
                chosen=extras["texts"].get(chosen, ""),
                rejected=extras["texts"].get(rejected, ""),
                **base,
            )
            if _checked(pair, stats) is not None:
                _count(stats, pair, source=source)
                yield pair


def _pairs_from_rewrites(
    *, rules: CurationRules, stats: CurationStats, salt: str, rubrics: _RubricCache
) -> Iterator[DpoPair]:
    if DpoSource.REWRITES not in rules.dpo_sources:
        return
    items = approved_items(rules=rules, kind=Item.Kind.SESSION, stats=stats)
    items = items.filter(Exists(Rewrite.objects.filter(item_id=OuterRef("pk"))))
    ids = items.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk_ids in _chunks(ids):
        chunk = _read_chunk(chunk_ids)
        rewrites = list(
            _among(Rewrite.objects.all(), "item_id", chunk_ids)
            .order_by("item_id", "turn_index", "pk")
            .values_list(
                "pk", "item_id", "reviewer_id", "turn_index", "original__text", "rewrite__text"
            )
        )
        passed: dict[int, bool] = {}
        for pk, item_id, reviewer_id, turn_index, original, better in rewrites:
            if item_id not in passed:
                passed[item_id] = _scores_pass(
                    rules=rules, item_id=item_id, chunk=chunk, rubrics=rubrics, stats=stats
                )
            if not passed[item_id]:
                continue
            base = _base(
                rules=rules,
                item_id=item_id,
                chunk=chunk,
                rubrics=rubrics,
                salt=salt,
                export_id=f"rewrite-{pk}",
                reviewers=[reviewer_id],
            )
            turns = chunk.turns[chunk.items[item_id]["session_id"]][:turn_index]
            pair = DpoPair(prompt=turns, chosen=better, rejected=original, **base)
            if _checked(pair, stats) is not None:
                _count(stats, pair, source=DpoSource.REWRITES)
                yield pair


def dpo_items(*, rules: CurationRules, stats: CurationStats, salt: str) -> Iterator[DpoPair]:
    rubrics = _RubricCache()
    yield from _pairs_from_pair_items(rules=rules, stats=stats, salt=salt, rubrics=rubrics)
    yield from _pairs_from_rewrites(rules=rules, stats=stats, salt=salt, rubrics=rubrics)


PAIR_ITEM_SOURCES = frozenset({DpoSource.PAIRWISE, DpoSource.IMPORTED, DpoSource.MARGINS})


def rules_problem(
    *, kind: str, dpo_sources: Iterable[str], min_total: Any, min_scores: Any
) -> str | None:
    """Why these rules cannot be applied as written, or None.

    Pair items carry a choice, never criterion scores, so a score bar cannot be checked on
    them; rather than let it pass every pair unchecked, such rules are refused.
    """
    if kind != "dpo" or not PAIR_ITEM_SOURCES & set(dpo_sources):
        return None
    if min_total is None and not min_scores:
        return None
    return _(
        "Minimum scores and a minimum total apply to scored sessions only: pairwise choices, "
        "imported preferences and score margins come from pair items, which have no scores. "
        "Remove the score rules, or take pairs from rewrites only."
    )


def curated_items(
    *, rules: CurationRules, stats: CurationStats, salt: str | None = None
) -> Iterator[ExportItem]:
    problem = rules_problem(
        kind=rules.kind,
        dpo_sources=rules.dpo_sources,
        min_total=rules.min_total,
        min_scores=rules.min_scores,
    )
    if problem:
        raise ValueError(problem)
    salt = salt or pseudonym_salt()
    if rules.kind == "sft":
        yield from sft_items(rules=rules, stats=stats, salt=salt)
    else:
        yield from dpo_items(rules=rules, stats=stats, salt=salt)


def curation_candidates(*, rules: CurationRules) -> int:
    """How many approved items curation will look at (the progress bar's total)."""
    items = Item.objects.filter(
        project_id__in=rules.project_ids, status=Item.Status.APPROVED, is_gold=False
    )
    if rules.kind == "sft":
        return items.filter(kind=Item.Kind.SESSION).count()
    count = 0
    if {DpoSource.PAIRWISE, DpoSource.IMPORTED, DpoSource.MARGINS} & set(rules.dpo_sources):
        count += items.filter(kind=Item.Kind.PAIR).count()
    if DpoSource.REWRITES in rules.dpo_sources:
        count += Rewrite.objects.filter(item__in=items.filter(kind=Item.Kind.SESSION)).count()
    return count
