"""PsyQA: Chinese questions from a counseling Q&A site with one or more long-form answers.

A record is ``{questionID, question, description, keywords, answers: [{answer_text,
labels_sequence}]}``. The question and its description are the client turn; every answer is
a candidate response to it, its strategy labels in the candidate's metadata.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers import fields
from dialogues.importers.base import CandidateRecord, Location, SessionRecord, TurnRecord
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register


@register
class PsyQAImporter(JSONRecordImporter):
    format = "psyqa"
    label = gettext_lazy("PsyQA (question, description, answers)")
    head_patterns = (r'"question"\s*:', r'"answers"\s*:\s*\[')

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = fields.require_object(raw)
        client = fields.question_text(record)
        answers = fields.list_field(record, "answers")
        if not answers:
            raise fields.Invalid("answers", _("no answers"))
        candidates = []
        for index, entry in enumerate(answers):
            where = f"answers[{index}]"
            entry = fields.require_object(entry, where)
            text = fields.entry_text(entry, "answer_text", where=where)
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
            turns=[TurnRecord("client", client)],
            source_id=fields.plain_id(record.get("questionID") or record.get("id")),
            language="zh",
            metadata=metadata,
            candidates=candidates,
        )
