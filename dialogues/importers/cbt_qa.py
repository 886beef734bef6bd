"""CBT-LLM's CBT QA: a Chinese question, its description, and a structured CBT answer.

Single-turn: the client's ``question`` and ``description`` together are the client turn, the
``answer`` the counselor turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy

from dialogues.importers.base import Importer, Location, RecordIssue, SessionRecord, TurnRecord
from dialogues.importers.cactus import records_to_sessions
from dialogues.importers.reading import plain_id, require_object, text_field
from dialogues.importers.registry import register


@register
class CBTQAImporter(Importer):
    format = "cbt_qa"
    label = gettext_lazy("CBT QA (question, description, answer)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()
        return start[:1] in "[{" and all(
            re.search(rf'"{key}"\s*:\s*"', start) for key in ("question", "answer")
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        return records_to_sessions(self, path=path, display_name=display_name)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        question = text_field(record, "question")
        description = text_field(record, "description", required=False)
        answer = text_field(record, "answer")
        client = f"{question}\n{description}" if description else question
        return SessionRecord(
            location=location,
            turns=[TurnRecord("client", client), TurnRecord("counselor", answer)],
            source_id=plain_id(record.get("id")),
            language="zh",
        )
