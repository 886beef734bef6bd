"""Writing prepared sessions: de-duplicated against the project, screened, every table at once.

Kept apart from the import's reading and validation so that the fast path (COPY, ids read back
by natural keys) has one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.db import connection
from django.utils import timezone

from dialogues.importers.counselchat import upvote_preferences
from dialogues.models import (
    Candidate,
    Flag,
    ImportBatch,
    Session,
    SourcePreference,
    SourceRating,
    Turn,
)
from dialogues.normalize import content_hash
from dialogues.screening import Hit, screen_text, screen_texts
from dialogues.services.flags import flag_values_for_hit
from dialogues.services.rows import TableWriter, copy_text

# An error or duplicate report is for people: past this many entries the rest are only counted.
MAX_REPORTED = 5000
# Formats whose record is a question with its answers, released in parts (CounselChat's rows of
# one question may be split across files): a question already stored, with the same words,
# gains the answers it lacks instead of being stored again with some of them.
ANSWERS_GROW = ("counselchat",)


@dataclass(slots=True)
class PreparedCandidate:
    key: str
    text: str
    turn_index: int
    model_name: str
    metadata: dict[str, Any]


@dataclass(slots=True)
class PreparedSession:
    """A valid record, normalised, waiting in a chunk to be written."""

    file: str
    record: int
    source_format: str
    source_id: str
    language: str
    topic: str
    generator_model: str
    metadata: dict[str, Any]
    labels: list[str]
    turns: list[tuple[str, str]]
    candidates: list[PreparedCandidate]
    ratings: list[tuple[str, float, str, str | None]]
    preferences: list[tuple[str, str, str, dict[str, Any]]]
    content_hash: str
    # Filled by session_screen while the session waits for its chunk's write: the hits of each
    # turn and candidate response, and each turn's COPY line without its session id.
    turn_hits: list[list[Hit]] | None = None
    candidate_hits: list[list[Hit]] | None = None
    turn_lines: list[str] | None = None


class Counts(Protocol):
    sessions_created: int
    turns_created: int
    candidates_created: int
    flags_created: int
    duplicates: int
    duplicate_report: list[dict[str, Any]]

    def leave_out(self, kind: str, count: int) -> None: ...


def screen(text: str) -> list[Hit]:
    return screen_text(text)


def screen_many(texts: list[str]) -> list[list[Hit]]:
    """The hits of each text of one session, as ``screen`` finds them one by one."""
    return screen_texts(texts)


def session_screen(prepared: PreparedSession) -> None:
    """Screen a prepared session and make its turns' COPY lines, ahead of its chunk's write.

    The reading thread does this while the database writes the chunk before (WriteBehind), so
    that the write, the longer of the two, does less.
    """
    prepared.turn_hits = screen_many([text for _speaker, text in prepared.turns])
    prepared.candidate_hits = screen_many([candidate.text for candidate in prepared.candidates])
    if connection.vendor == "postgresql":
        prepared.turn_lines = [
            f"\t{index}\t{speaker}\t{copy_text(text)}\n"
            for index, (speaker, text) in enumerate(prepared.turns)
        ]


class SessionWriter:
    """Writes chunks of prepared sessions inside the caller's transaction."""

    def __init__(self, batch: ImportBatch, counts: Counts) -> None:
        self.batch = batch
        self.counts = counts
        self.now = timezone.now()
        self.sessions = TableWriter(Session)
        self.turns = TableWriter(Turn)
        self.candidates = TableWriter(Candidate)
        self.preferences = TableWriter(SourcePreference)
        self.ratings = TableWriter(SourceRating)
        self.flags = TableWriter(Flag)
        # Turn rows are built as plain tuples (there are millions); their order is checked here.
        assert self.turns.columns == ["session_id", "index", "speaker", "text"]
        if connection.vendor == "postgresql":
            # Each row's foreign keys are checked as its chunk is written, while the next chunk
            # is prepared (WriteBehind), not all at once when the import commits.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def _session_ids(self, hashes: list[str]) -> dict[str, int]:
        # Rows this batch wrote earlier are visible inside its own transaction, so this one query
        # finds duplicates against the project and within the batch alike.
        if connection.vendor == "postgresql":
            # One array parameter plans far faster than an IN list of thousands.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT content_hash, id FROM dialogues_session "
                    "WHERE project_id = %s AND content_hash = ANY(%s)",
                    [self.batch.project_id, hashes],
                )
                return dict(cursor.fetchall())
        return dict(
            Session.objects.filter(project_id=self.batch.project_id, content_hash__in=hashes)
            .values_list("content_hash", "pk")
            .iterator()
        )

    def _fresh(self, chunk: list[PreparedSession]) -> list[PreparedSession]:
        existing = self._session_ids([prepared.content_hash for prepared in chunk])
        fresh: list[PreparedSession] = []
        first_seen: dict[str, PreparedSession] = {}
        for prepared in chunk:
            original = existing.get(prepared.content_hash)
            first = first_seen.get(prepared.content_hash)
            if original is None and first is None:
                first_seen[prepared.content_hash] = prepared
                fresh.append(prepared)
                continue
            self.counts.duplicates += 1
            if len(self.counts.duplicate_report) < MAX_REPORTED:
                self.counts.duplicate_report.append(
                    {
                        "file": prepared.file,
                        "record": prepared.record,
                        "session_id": original,
                        "same_as": None if first is None else f"{first.file}#{first.record}",
                    }
                )
        return fresh

    def write(self, chunk: list[PreparedSession]) -> None:
        # A question twice in one chunk: the second must see the first as stored.
        pending: list[PreparedSession] = []
        questions: set[str] = set()
        for prepared in chunk:
            if prepared.source_format in ANSWERS_GROW:
                if prepared.source_id in questions:
                    self._write(pending)
                    pending, questions = [], set()
                questions.add(prepared.source_id)
            pending.append(prepared)
        self._write(pending)

    def _questions_stored(self, chunk: list[PreparedSession]) -> list[PreparedSession]:
        """Add the new answers of questions already stored; the rest of the chunk."""
        asked = [p for p in chunk if p.source_format in ANSWERS_GROW and p.source_id]
        asked_ids = {id(p) for p in asked}
        if not asked:
            return chunk
        stored: dict[tuple[str, str], list[int]] = {}
        for format_name, source_id, pk in Session.objects.filter(
            project_id=self.batch.project_id,
            source_format__in=ANSWERS_GROW,
            source_id__in={p.source_id for p in asked},
        ).values_list("source_format", "source_id", "pk"):
            stored.setdefault((format_name, source_id), []).append(pk)
        turns: dict[int, list[tuple[str, str]]] = {}
        for session_id, speaker, text in (
            Turn.objects.filter(session_id__in=[pk for pks in stored.values() for pk in pks])
            .order_by("session_id", "index")
            .values_list("session_id", "speaker", "text")
        ):
            turns.setdefault(session_id, []).append((speaker, text))
        rest = []
        for prepared in chunk:
            same = [
                pk
                for pk in stored.get((prepared.source_format, prepared.source_id), [])
                if turns.get(pk) == prepared.turns
            ]
            if not same or id(prepared) not in asked_ids:
                rest.append(prepared)
                continue
            added = self._answers_add(prepared, session_id=same[0])
            if not added:
                self.counts.duplicates += 1
            if len(self.counts.duplicate_report) < MAX_REPORTED:
                entry: dict[str, Any] = {
                    "file": prepared.file,
                    "record": prepared.record,
                    "session_id": same[0],
                    "same_as": None,
                }
                if added:
                    entry["answers_added"] = added
                self.counts.duplicate_report.append(entry)
        return rest

    def _answers_add(self, prepared: PreparedSession, *, session_id: int) -> int:
        stored = list(
            Candidate.objects.filter(session_id=session_id).values_list(
                "pk", "turn_index", "key", "text", "metadata"
            )
        )
        texts = {text for _pk, _index, _key, text, _metadata in stored}
        new = [c for c in prepared.candidates if c.text not in texts]
        if len(prepared.candidates) > len(new):
            self.counts.leave_out("counselchat_answers_known", len(prepared.candidates) - len(new))
        if not new:
            return 0
        numbers = [int(key[7:]) for *_x, key, _t, _m in stored if key[7:].isdigit()]
        first = max(numbers, default=0) + 1
        created = Candidate.objects.bulk_create(
            Candidate(
                session_id=session_id,
                turn_index=candidate.turn_index,
                key=f"answer-{first + offset}",
                text=candidate.text,
                model_name=candidate.model_name,
                origin=Candidate.Origin.IMPORTED,
                metadata=candidate.metadata,
            )
            for offset, candidate in enumerate(new)
        )
        by_key = {key: pk for pk, _index, key, _text, _metadata in stored}
        by_key.update({candidate.key: candidate.pk for candidate in created})
        upvotes = [
            (key, metadata["upvotes"])
            for _pk, _index, key, _text, metadata in stored
            if isinstance(metadata.get("upvotes"), int)
        ] + [
            (candidate.key, candidate.metadata["upvotes"])
            for candidate in created
            if isinstance(candidate.metadata.get("upvotes"), int)
        ]
        SourcePreference.objects.bulk_create(
            SourcePreference(
                session_id=session_id,
                chosen_id=by_key[preference.chosen_key],
                rejected_id=by_key[preference.rejected_key],
                provenance=preference.provenance,
                metadata=preference.metadata,
            )
            for preference in upvote_preferences(
                upvotes, involving={candidate.key for candidate in created}
            )
        )
        flags = [
            self._flag(hit, session_id=session_id, speaker="counselor", candidate_id=candidate.pk)
            for candidate in created
            for hit in screen(candidate.text)
        ]
        self.flags.write(flags)
        # The hash covers the answers: the question with all of them is this session now.
        everything = sorted(
            [(index, key, text) for _pk, index, key, text, _metadata in stored]
            + [(c.turn_index, c.key, c.text) for c in created],
            key=lambda item: (item[0], int(item[1][7:]) if item[1][7:].isdigit() else 0),
        )
        Session.objects.filter(pk=session_id).update(
            content_hash=content_hash(prepared.turns, everything)
        )
        self.counts.candidates_created += len(created)
        self.counts.flags_created += len(flags)
        return len(created)

    def _write(self, chunk: list[PreparedSession]) -> None:
        chunk = self._questions_stored(chunk)
        if not chunk:
            return
        fresh = self._fresh(chunk)
        if not fresh:
            return
        now = self.now
        self.sessions.write(
            [
                self.sessions.row(
                    project_id=self.batch.project_id,
                    batch_id=self.batch.pk,
                    source_format=prepared.source_format,
                    source_id=prepared.source_id,
                    language=prepared.language,
                    topic=prepared.topic,
                    generator_model=prepared.generator_model,
                    metadata=prepared.metadata,
                    labels=prepared.labels,
                    content_hash=prepared.content_hash,
                    turn_count=len(prepared.turns),
                    created_at=now,
                )
                for prepared in fresh
            ]
        )
        session_ids = self._session_ids([prepared.content_hash for prepared in fresh])
        # COPY lines on PostgreSQL when every session has them ready (session_screen), rows else.
        lines = connection.vendor == "postgresql" and all(p.turn_lines is not None for p in fresh)
        turn_lines: list[str] = []
        turn_rows: list[tuple[Any, ...]] = []
        turns_written = 0
        candidate_rows: list[tuple[Any, ...]] = []
        turn_hits: list[tuple[int, int, str, Any]] = []
        candidate_hits: list[tuple[int, int, str, Any]] = []
        for prepared in fresh:
            session_id = session_ids[prepared.content_hash]
            if prepared.turn_hits is None or prepared.candidate_hits is None:
                session_screen(prepared)
            assert prepared.turn_hits is not None
            assert prepared.candidate_hits is not None
            turns_written += len(prepared.turns)
            if lines:
                assert prepared.turn_lines is not None
                # Each line starts with its tab: the session id joins them, in C.
                turn_lines.append(str(session_id).join(["", *prepared.turn_lines]))
            else:
                turn_rows.extend(
                    (session_id, index, speaker, text)
                    for index, (speaker, text) in enumerate(prepared.turns)
                )
            for index, ((speaker, _text), hits) in enumerate(
                zip(prepared.turns, prepared.turn_hits, strict=True)
            ):
                for hit in hits:
                    turn_hits.append((session_id, index, speaker, hit))
            for candidate, hits in zip(prepared.candidates, prepared.candidate_hits, strict=True):
                candidate_rows.append(
                    self.candidates.row(
                        session_id=session_id,
                        turn_index=candidate.turn_index,
                        key=candidate.key,
                        text=candidate.text,
                        model_name=candidate.model_name,
                        origin=Candidate.Origin.IMPORTED,
                        metadata=candidate.metadata,
                        created_by_id=None,
                        created_at=now,
                    )
                )
                for hit in hits:
                    candidate_hits.append((session_id, candidate.turn_index, candidate.key, hit))
        if lines:
            self.turns.write_lines(turn_lines)
        else:
            self.turns.write(turn_rows)
        self.candidates.write(candidate_rows)
        flag_rows = self._turn_flags(turn_hits)
        if candidate_rows:
            flag_rows += self._with_candidates(fresh, session_ids, candidate_hits)
        self.flags.write(flag_rows)
        counts = self.counts
        counts.sessions_created += len(fresh)
        counts.turns_created += turns_written
        counts.candidates_created += len(candidate_rows)
        counts.flags_created += len(flag_rows)

    def _turn_flags(self, hits: list[tuple[int, int, str, Any]]) -> list[tuple[Any, ...]]:
        if not hits:
            return []
        turn_ids = {
            (session_id, index): pk
            for session_id, index, pk in Turn.objects.filter(
                session_id__in={session_id for session_id, *_rest in hits}
            ).values_list("session_id", "index", "pk")
        }
        return [
            self._flag(hit, session_id=s, speaker=speaker, turn_id=turn_ids[(s, index)])
            for s, index, speaker, hit in hits
        ]

    def _with_candidates(
        self,
        fresh: list[PreparedSession],
        session_ids: dict[str, int],
        hits: list[tuple[int, int, str, Any]],
    ) -> list[tuple[Any, ...]]:
        """Preferences and ratings, which point at candidates; returns the candidates' flags."""
        candidate_ids: dict[tuple[int, int, str], int] = {
            (session_id, turn_index, key): pk
            for session_id, turn_index, key, pk in Candidate.objects.filter(
                session_id__in=session_ids.values()
            ).values_list("session_id", "turn_index", "key", "pk")
        }
        preference_rows, rating_rows = [], []
        for prepared in fresh:
            session_id = session_ids[prepared.content_hash]
            by_key: dict[str, int] = {}
            for candidate in prepared.candidates:
                by_key.setdefault(
                    candidate.key, candidate_ids[(session_id, candidate.turn_index, candidate.key)]
                )
            for chosen, rejected, provenance, metadata in prepared.preferences:
                preference_rows.append(
                    self.preferences.row(
                        session_id=session_id,
                        chosen_id=by_key[chosen],
                        rejected_id=by_key[rejected],
                        provenance=provenance,
                        metadata=metadata,
                    )
                )
            for criterion, score, rater, key in prepared.ratings:
                rating_rows.append(
                    self.ratings.row(
                        session_id=session_id,
                        candidate_id=None if key is None else by_key[key],
                        criterion=criterion,
                        score=score,
                        rater=rater,
                    )
                )
        self.preferences.write(preference_rows)
        self.ratings.write(rating_rows)
        return [
            self._flag(
                hit,
                session_id=s,
                speaker="counselor",
                candidate_id=candidate_ids[(s, turn_index, key)],
            )
            for s, turn_index, key, hit in hits
        ]

    def _flag(
        self,
        hit: Hit,
        *,
        session_id: int,
        speaker: str,
        turn_id: int | None = None,
        candidate_id: int | None = None,
    ) -> tuple[Any, ...]:
        # dialogues.services.flags decides the row, including the counselor's safety questions
        # that screening clears itself.
        values = flag_values_for_hit(
            hit=hit,
            session_id=session_id,
            speaker=speaker,
            now=self.now,
            turn_id=turn_id,
            candidate_id=candidate_id,
        )
        return self.flags.row(**values, created_at=self.now)
