"""The shape most formats share: a file of JSON records (a list or JSON lines), one session each.

A :class:`JSONRecordImporter` says only how its format looks (``head_patterns``) and how one
record becomes a session (``session``, raising Invalid); the loop that reads the records and
turns bad JSON and Invalid into RecordIssues is written once, here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Protocol

from dialogues.importers.base import Importer, Location, RecordIssue, SessionRecord, TurnRecord
from dialogues.importers.fields import Invalid, dialogue_empty
from dialogues.importers.reading import JSONLineError, json_list_items, json_records


class _SessionBuilder(Protocol):
    def session(self, location: Location, raw: Any) -> SessionRecord: ...


def records_to_sessions(
    importer: _SessionBuilder, *, path: Path, display_name: str
) -> Iterator[SessionRecord | RecordIssue]:
    """The JSON-record loop every JSON format shares: bad JSON and Invalid become issues."""
    for location, raw in json_records(path=path, display_name=display_name):
        if isinstance(raw, JSONLineError):
            yield RecordIssue(location, "(json)", str(raw))
            continue
        try:
            yield importer.session(location, raw)
        except Invalid as problem:
            yield RecordIssue(location, problem.field, problem.message)


def rows_to_sessions(
    importer: _SessionBuilder, rows: Iterable[tuple[Location, Any]]
) -> Iterator[SessionRecord | RecordIssue]:
    """The same loop over table rows (CSV, Parquet), whose readers refuse a broken file whole."""
    for location, row in rows:
        try:
            yield importer.session(location, row)
        except Invalid as problem:
            yield RecordIssue(location, problem.field, problem.message)


def json_head_matches(head: str, *patterns: str) -> bool:
    """Whether a file's start is JSON (a list or an object) and shows every one of the patterns."""
    start = head.lstrip()
    return start[:1] in "[{" and all(re.search(pattern, start) for pattern in patterns)


class JSONRecordImporter(Importer):
    """An importer of JSON records, known by regular expressions its file's start must match."""

    extensions: ClassVar[tuple[str, ...]] = (".json", ".jsonl")
    head_patterns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        return json_head_matches(head, *cls.head_patterns)

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        return records_to_sessions(self, path=path, display_name=display_name)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        raise NotImplementedError


def list_turns(
    *, path: Path, display_name: str, turn: Callable[[Any, int], TurnRecord | None]
) -> list[TurnRecord]:
    """The turns of a file that is one session as a JSON list of turns (SmileChat, CPsyCounE).

    ``turn`` makes an item (with its 0-based index) a turn, or None for one without words. The
    first item that is not JSON or that ``turn`` refuses (Invalid) stops the file: a session
    missing one of its turns would put the next words in the wrong context.
    """
    turns = []
    for item_location, item in json_list_items(path=path, display_name=display_name):
        index = item_location.record - 1
        if isinstance(item, JSONLineError):
            raise Invalid(f"[{index}]", str(item))
        made = turn(item, index)
        if made is not None:
            turns.append(made)
    if not turns:
        raise Invalid("(dialogue)", dialogue_empty())
    return turns
