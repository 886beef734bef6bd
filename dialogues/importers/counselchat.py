"""CounselChat: one CSV row per therapist answer to a question asked on counselchat.com.

The rows of one question (consecutive, as the published file keeps them) become one session:
the question (title and text) is the client turn, and every answer is a candidate response to
it with its upvotes and views in the candidate's metadata. Where two answers differ in
upvotes, the more upvoted is preferred, with provenance "CounselChat upvotes".

``therapistInfo`` and ``therapistURL`` name real people: they are never read into a record, and
the stored copy of the upload is rewritten without them once the batch has run.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers.base import (
    CandidateRecord,
    Importer,
    Location,
    PreferenceRecord,
    RecordIssue,
    SessionRecord,
    TurnRecord,
)
from dialogues.importers.fields import Invalid, missing
from dialogues.importers.reading import csv_rows
from dialogues.importers.registry import register

REQUIRED = ("questionID", "questionTitle", "questionText", "answerText")
PROVENANCE = "CounselChat upvotes"
NEVER_KEPT = ("therapistInfo", "therapistURL")


@dataclass
class _Question:
    location: Location
    question_id: str
    rows: list[tuple[Location, dict[str, str]]] = field(default_factory=list)


def _count(row: dict[str, str], name: str, location: Location) -> int | None:
    value = (row.get(name) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise Invalid(
            name,
            _("line %(line)d: expected a whole number, got %(value)r")
            % {"line": location.line, "value": value[:20]},
        ) from None
    if number < 0 or not number.is_integer():
        raise Invalid(
            name,
            _("line %(line)d: expected a whole number of 0 or more, got %(value)r")
            % {"line": location.line, "value": value},
        )
    return int(number)


def upvote_preferences(
    upvotes: list[tuple[str, int]], *, involving: set[str] | None = None
) -> list[PreferenceRecord]:
    """The more upvoted of every two answers is preferred; with ``involving``, only the pairs
    with one of those answers (the new answers added to a question stored before)."""
    return [
        PreferenceRecord(
            chosen_key=higher,
            rejected_key=lower,
            provenance=PROVENANCE,
            metadata={"upvotes": [higher_votes, lower_votes]},
        )
        for higher, higher_votes in upvotes
        for lower, lower_votes in upvotes
        if higher_votes > lower_votes
        and (involving is None or higher in involving or lower in involving)
    ]


@register
class CounselChatImporter(Importer):
    format = "counselchat"
    label = gettext_lazy("CounselChat (CSV)")
    extensions = (".csv",)
    personal_columns = NEVER_KEPT

    @classmethod
    def stored_copy_scrub(cls, *, path: Path) -> None:
        # A file that is not valid CSV or UTF-8 was rejected; it is rewritten with what the csv
        # module can make of it, and the replacement is atomic so no half-written copy remains.
        temporary = path.with_name(path.name + ".scrubbed")
        with (
            path.open(encoding="utf-8-sig", errors="replace", newline="") as source,
            temporary.open("w", encoding="utf-8", newline="") as target,
        ):
            reader = csv.reader(source)
            writer = csv.writer(target)
            header = next(reader, [])
            keep = [i for i, name in enumerate(header) if name.strip() not in NEVER_KEPT]
            writer.writerow([header[i] for i in keep])
            try:
                for row in reader:
                    writer.writerow([row[i] if i < len(row) else "" for i in keep])
            except csv.Error:
                pass
        os.replace(temporary, path)

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        header = head.lstrip("\ufeff").split("\n", 1)[0]
        return all(name in header for name in ("questionID", "answerText"))

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        seen: dict[str, int] = {}
        question: _Question | None = None
        number = 0
        for location, row in csv_rows(path=path, display_name=display_name, required=REQUIRED):
            for name in NEVER_KEPT:
                row.pop(name, None)
            question_id = (row.get("questionID") or "").strip()
            if not question_id:
                yield RecordIssue(location, "questionID", missing())
                continue
            if question and question.question_id == question_id:
                question.rows.append((location, row))
                continue
            if question:
                yield self._session(question)
            if question_id in seen:
                yield RecordIssue(
                    location,
                    "questionID",
                    _(
                        "question %(id)s appeared before, as record %(record)d; "
                        "the answers of one question must be on consecutive rows"
                    )
                    % {"id": question_id, "record": seen[question_id]},
                )
                question = None
                continue
            number += 1
            seen[question_id] = number
            question = _Question(
                Location(display_name, number, location.line), question_id, [(location, row)]
            )
        if question:
            yield self._session(question)

    def _session(self, question: _Question) -> SessionRecord | RecordIssue:
        try:
            return self._build(question)
        except Invalid as problem:
            return RecordIssue(question.location, problem.field, problem.message)

    def _build(self, question: _Question) -> SessionRecord:
        first = question.rows[0][1]
        title = (first.get("questionTitle") or "").strip()
        text = (first.get("questionText") or "").strip()
        if not title and not text:
            raise Invalid("questionText", _("empty (and so is questionTitle)"))
        client = text if not title or text.startswith(title) else f"{title}\n{text}"
        candidates = []
        upvotes: list[tuple[str, int]] = []
        for answer_number, (location, row) in enumerate(question.rows, start=1):
            answer = (row.get("answerText") or "").strip()
            if not answer:
                raise Invalid("answerText", _("empty on line %(line)d") % {"line": location.line})
            key = f"answer-{answer_number}"
            metadata: dict[str, Any] = {"line": location.line}
            votes = _count(row, "upvotes", location)
            views = _count(row, "views", location)
            if votes is not None:
                metadata["upvotes"] = votes
                upvotes.append((key, votes))
            if views is not None:
                metadata["views"] = views
            candidates.append(
                CandidateRecord(key=key, text=answer, turn_index=1, metadata=metadata)
            )
        preferences = upvote_preferences(upvotes)
        metadata = {
            name: (first.get(source) or "").strip()
            for name, source in (("question_url", "questionLink"), ("split", "split"))
            if (first.get(source) or "").strip()
        }
        return SessionRecord(
            location=question.location,
            turns=[TurnRecord("client", client)],
            source_id=question.question_id,
            language="en",
            topic=(first.get("topic") or "").strip(),
            metadata=metadata,
            candidates=candidates,
            preferences=preferences,
        )
