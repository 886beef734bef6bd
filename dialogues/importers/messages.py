"""OpenAI / TRL ``messages`` conversations, as a JSON list or as JSONL.

Each record is ``{"messages": [{"role", "content"}, ...]}`` with an optional ``id`` and
``topic`` (SoulChat adds both). ``user`` is the client and ``assistant`` the counselor; system
messages are kept as system turns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dialogues.importers.base import (
    FormatError,
    Importer,
    Location,
    RecordIssue,
    SessionRecord,
    TurnRecord,
)
from dialogues.importers.registry import register

SPEAKER_BY_ROLE = {"user": "client", "assistant": "counselor", "system": "system"}


def json_records(*, path: Path, display_name: str) -> Iterator[tuple[Location, Any]]:
    """The records of a JSON list or a JSONL file, with where each one is.

    A JSONL line that is not JSON becomes a ``(location, FormatError)`` pair so the caller can
    report it against that line and go on with the rest.
    """
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise FormatError(
                f"{display_name}: line {error.lineno}: not valid JSON ({error.msg})"
            ) from None
        for number, record in enumerate(data, start=1):
            yield Location(display_name, number), record
        return
    number = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        number += 1
        location = Location(display_name, number, line_number)
        try:
            yield location, json.loads(line)
        except json.JSONDecodeError as error:
            yield location, FormatError(f"not valid JSON ({error.msg})")


@register
class MessagesImporter(Importer):
    format = "messages"
    label = "OpenAI / TRL messages (JSON or JSONL)"
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()[:2000]
        return start[:1] in "[{" and '"messages"' in start and '"role"' in start

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        for location, record in json_records(path=path, display_name=display_name):
            if isinstance(record, FormatError):
                yield RecordIssue(location, "(line)", str(record))
                continue
            yield self._record(location, record)

    def _record(self, location: Location, record: Any) -> SessionRecord | RecordIssue:
        if not isinstance(record, dict):
            return RecordIssue(location, "(record)", "expected an object with 'messages'")
        messages = record.get("messages")
        if not isinstance(messages, list):
            return RecordIssue(location, "messages", "missing, or not a list")
        if not messages:
            return RecordIssue(location, "messages", "the conversation is empty")
        turns = []
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                return RecordIssue(location, where, "expected an object with role and content")
            role = message.get("role")
            if role not in SPEAKER_BY_ROLE:
                return RecordIssue(
                    location, f"{where}.role", f"{role!r} is not one of user, assistant, system"
                )
            content = message.get("content")
            if not isinstance(content, str) or not content.strip():
                return RecordIssue(location, f"{where}.content", "missing or empty")
            turns.append(TurnRecord(SPEAKER_BY_ROLE[role], content.strip()))
        if not any(turn.speaker == "client" for turn in turns):
            return RecordIssue(location, "messages", "no user (client) message")
        source_id = record.get("id")
        topic = record.get("topic")
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=str(source_id) if source_id not in (None, "") else "",
            topic=str(topic) if topic else "",
        )
