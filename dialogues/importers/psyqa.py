"""PsyQA: Chinese questions from a counseling Q&A site with one or more long-form answers.

A record is ``{questionID, question, description, keywords, answers: [{answer_text,
labels_sequence}]}``. The question and its description are the client turn; every answer is
a candidate response to it, its strategy labels in the candidate's metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers.base import (
    CandidateRecord,
    Importer,
    Location,
    RecordIssue,
    SessionRecord,
    TurnRecord,
)
from dialogues.importers.cactus import records_to_sessions
from dialogues.importers.reading import (
    Invalid,
    list_field,
    plain_id,
    require_object,
    text_field,
)
from dialogues.importers.registry import register


@register
class PsyQAImporter(Importer):
    format = "psyqa"
    label = gettext_lazy("PsyQA (question, description, answers)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()
        return (
            start[:1] in "[{"
            and re.search(r'"question"\s*:', start) is not None
            and re.search(r'"answers"\s*:\s*\[', start) is not None
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        return records_to_sessions(self, path=path, display_name=display_name)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        question = text_field(record, "question")
        description = text_field(record, "description", required=False)
        answers = list_field(record, "answers")
        if not answers:
            raise Invalid("answers", _("no answers"))
        candidates = []
        for index, entry in enumerate(answers):
            where = f"answers[{index}]"
            entry = require_object(entry, where)
            try:
                text = text_field(entry, "answer_text")
            except Invalid as problem:
                raise Invalid(f"{where}.{problem.field}", problem.message) from None
            metadata: dict[str, Any] = {}
            labels = entry.get("labels_sequence")
            if isinstance(labels, list) and labels:
                metadata["labels_sequence"] = labels
            if isinstance(entry.get("has_label"), bool):
                metadata["has_label"] = entry["has_label"]
            candidates.append(
                CandidateRecord(
                    key=f"answer-{index + 1}", text=text, turn_index=1, metadata=metadata
                )
            )
        keywords = record.get("keywords")
        metadata = {"keywords": keywords} if keywords else {}
        return SessionRecord(
            location=location,
            turns=[TurnRecord("client", f"{question}\n{description}" if description else question)],
            source_id=plain_id(record.get("questionID") or record.get("id")),
            language="zh",
            metadata=metadata,
            candidates=candidates,
        )
