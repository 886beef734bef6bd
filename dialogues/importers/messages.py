"""OpenAI / TRL ``messages`` conversations, as a JSON list or as JSONL.

Each record is ``{"messages": [{"role", "content"}, ...]}`` with an optional ``id`` and
``topic`` (SoulChat adds both). ``user`` is the client and ``assistant`` the counselor; system
messages are kept as system turns.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers import fields
from dialogues.importers.base import Location, SessionRecord, TurnRecord
from dialogues.importers.fields import Invalid
from dialogues.importers.reading import json_records
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register

__all__ = ["MessagesImporter", "json_records"]

SPEAKER_BY_ROLE = {"user": "client", "assistant": "counselor", "system": "system"}


@register
class MessagesImporter(JSONRecordImporter):
    format = "messages"
    label = gettext_lazy("OpenAI / TRL messages (JSON or JSONL)")
    head_patterns = (r'"messages"\s*:\s*\[', '"role"')

    def session(self, location: Location, raw: Any) -> SessionRecord:
        if not isinstance(raw, dict):
            raise Invalid("(record)", _("expected an object with 'messages'"))
        messages = raw.get("messages")
        if messages is None:
            raise Invalid("messages", fields.missing())
        if not isinstance(messages, list):
            raise Invalid("messages", fields.expected_list(messages))
        if not messages:
            raise Invalid("messages", _("the conversation is empty"))
        turns = []
        empty = 0
        for index, message in enumerate(messages):
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                raise Invalid(where, _("expected an object with role and content"))
            speaker = fields.entry_speaker(
                message,
                "role",
                where=where,
                speakers=SPEAKER_BY_ROLE,
                allowed="user, assistant, system",
            )
            content = message.get("content")
            if content is None:
                raise Invalid(f"{where}.content", fields.missing())
            if not isinstance(content, str):
                raise Invalid(f"{where}.content", fields.expected_text(content))
            # chat-therapy-demo has empty user messages (a silent client, a dangling last
            # message); they carry no words, so they are left out rather than failing the record.
            if content.strip():
                turns.append(TurnRecord(speaker, content.strip()))
            else:
                empty += 1
        if not turns:
            raise Invalid("messages", _("the conversation is empty"))
        if not any(turn.speaker == "client" for turn in turns):
            raise Invalid("messages", _("no user (client) message"))
        topic = raw.get("topic")
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=fields.plain_id(raw.get("id")),
            topic=str(topic).strip() if topic else "",
            left_out={"empty_messages": empty} if empty else {},
        )
