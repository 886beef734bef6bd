"""CBT-LLM's CBT QA: a Chinese question, its description, and a structured CBT answer.

Single-turn: the client's ``question`` and ``description`` together are the client turn, the
``answer`` the counselor turn.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dialogues.importers.base import Location, SessionRecord, TurnRecord
from dialogues.importers.fields import plain_id, question_text, require_object, text_field
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register


@register
class CBTQAImporter(JSONRecordImporter):
    format = "cbt_qa"
    label = gettext_lazy("CBT QA (question, description, answer)")
    head_patterns = (r'"question"\s*:\s*"', r'"answer"\s*:\s*"')

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        client = question_text(record)
        answer = text_field(record, "answer")
        return SessionRecord(
            location=location,
            turns=[TurnRecord("client", client), TurnRecord("counselor", answer)],
            source_id=plain_id(record.get("id")),
            language="zh",
        )
