"""ESConv: emotional-support conversations with a strategy on every supporter turn.

A record is ``{emotion_type, problem_type, situation, survey_score, dialog: [{speaker:
seeker | supporter, annotation: {strategy}, content}]}``; FailedESConv.json names the sides
speaker | listener. The seeker (speaker) is the client and the supporter (listener) the
counselor; consecutive utterances of one speaker stay separate turns so that each strategy
stays with the words it labels. Strategies (by turn) and the survey scores become session
metadata; the problem type is the topic.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from dialogues.importers import fields
from dialogues.importers.base import Location, SessionRecord, TurnRecord, labels_of
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register

# ESConv.json says seeker / supporter; its FailedESConv.json (the conversations that did not
# pass the authors' quality check) says speaker / listener for the same two sides.
SPEAKER_BY_ROLE = {
    "seeker": "client",
    "speaker": "client",
    "usr": "client",
    "supporter": "counselor",
    "listener": "counselor",
    "sys": "counselor",
}
TEXT_METADATA = ("emotion_type", "experience_type", "situation")


@register
class ESConvImporter(JSONRecordImporter):
    format = "esconv"
    label = gettext_lazy("ESConv (emotional support conversations)")
    head_patterns = (
        r'"dialog"\s*:\s*\[',
        r'"speaker"\s*:\s*"(seeker|supporter|speaker|listener)"',
    )

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = fields.require_object(raw)
        dialog = fields.list_field(record, "dialog")
        if not dialog:
            raise fields.Invalid("dialog", fields.dialogue_empty())
        turns = []
        strategies = []
        feedback: list[dict[str, Any]] = []
        for index, entry in enumerate(dialog):
            where = f"dialog[{index}]"
            entry = fields.require_object(entry, where)
            speaker = fields.entry_speaker(
                entry,
                "speaker",
                where=where,
                speakers=SPEAKER_BY_ROLE,
                allowed="seeker, supporter, speaker, listener",
            )
            text = fields.entry_text(entry, "content", where=where)
            annotation = entry.get("annotation")
            if isinstance(annotation, dict) and annotation.get("strategy"):
                strategies.append({"turn": index, "strategy": str(annotation["strategy"])})
            # ESConv puts the seeker's rating of the last reply in the annotation;
            # FailedESConv.json puts it on the turn itself.
            rating = entry.get("feedback")
            if rating is None and isinstance(annotation, dict):
                rating = annotation.get("feedback")
            if rating not in (None, ""):
                feedback.append({"turn": index, "feedback": rating})
            turns.append(TurnRecord(speaker, text))
        metadata: dict[str, Any] = fields.text_fields(record, TEXT_METADATA)
        if strategies:
            metadata["strategies"] = strategies
        if feedback:
            metadata["feedback"] = feedback
        survey = record.get("survey_score")
        if isinstance(survey, dict) and survey:
            metadata["survey_score"] = survey
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=fields.plain_id(record.get("id")),
            language="en",
            topic=fields.text_field(record, "problem_type", required=False),
            metadata=metadata,
            labels=labels_of(
                ("emotion", [metadata.get("emotion_type")]),
                ("problem", [record.get("problem_type")]),
                ("strategy", [entry["strategy"] for entry in strategies]),
            ),
        )
