"""OpenAI / TRL ``messages`` conversations, as a JSON list or as JSONL.

Each record is ``{"messages": [{"role", "content"}, ...]}`` with an optional ``id`` and
``topic`` (SoulChat adds both). ``user`` is the client and ``assistant`` the counselor; system
messages are kept as system turns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers.base import (
    Importer,
    Location,
    RecordIssue,
    SessionRecord,
    TurnRecord,
)
from dialogues.importers.reading import (
    JSONLineError,
    expected_list,
    expected_text,
    json_records,
    missing,
    not_one_of,
    plain_id,
)
from dialogues.importers.registry import register

__all__ = ["MessagesImporter", "json_records"]

SPEAKER_BY_ROLE = {"user": "client", "assistant": "counselor", "system": "system"}


@register
class MessagesImporter(Importer):
    format = "messages"
    label = gettext_lazy("OpenAI / TRL messages (JSON or JSONL)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()
        return (
            start[:1] in "[{"
            and re.search(r'"messages"\s*:\s*\[', start) is not None
            and '"role"' in start
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        for location, record in json_records(path=path, display_name=display_name):
            if isinstance(record, JSONLineError):
                yield RecordIssue(location, "(json)", str(record))
                continue
            yield self._record(location, record)

    def _record(self, location: Location, record: Any) -> SessionRecord | RecordIssue:
        if not isinstance(record, dict):
            return RecordIssue(location, "(record)", _("expected an object with 'messages'"))
        messages = record.get("messages")
        if messages is None:
            return RecordIssue(location, "messages", missing())
        if not isinstance(messages, list):
            return RecordIssue(location, "messages", expected_list(messages))
        if not messages:
            return RecordIssue(location, "messages", _("the conversation is empty"))
        turns = []
        empty = 0
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                return RecordIssue(location, where, _("expected an object with role and content"))
            role = message.get("role")
            if role not in SPEAKER_BY_ROLE:
                return RecordIssue(
                    location, f"{where}.role", not_one_of(role, "user, assistant, system")
                )
            content = message.get("content")
            if content is None:
                return RecordIssue(location, f"{where}.content", missing())
            if not isinstance(content, str):
                return RecordIssue(location, f"{where}.content", expected_text(content))
            # chat-therapy-demo has empty user messages (a silent client, a dangling last
            # message); they carry no words, so they are left out rather than failing the record.
            if content.strip():
                turns.append(TurnRecord(SPEAKER_BY_ROLE[role], content.strip()))
            else:
                empty += 1
        if not turns:
            return RecordIssue(location, "messages", _("the conversation is empty"))
        if not any(turn.speaker == "client" for turn in turns):
            return RecordIssue(location, "messages", _("no user (client) message"))
        topic = record.get("topic")
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=plain_id(record.get("id")),
            topic=str(topic).strip() if topic else "",
            left_out={"empty_messages": empty} if empty else {},
        )
