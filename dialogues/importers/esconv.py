"""ESConv: emotional-support conversations with a strategy on every supporter turn.

A record is ``{emotion_type, problem_type, situation, survey_score, dialog: [{speaker:
seeker | supporter, annotation: {strategy}, content}]}``; FailedESConv.json names the sides
speaker | listener. The seeker (speaker) is the client and the supporter (listener) the
counselor; consecutive utterances of one speaker stay separate turns so that each strategy
stays with the words it labels. Strategies (by turn) and the survey scores become session
metadata; the problem type is the topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy

from dialogues.importers.base import (
    Importer,
    Location,
    RecordIssue,
    SessionRecord,
    TurnRecord,
    labels_of,
)
from dialogues.importers.cactus import records_to_sessions
from dialogues.importers.reading import (
    Invalid,
    dialogue_empty,
    list_field,
    not_one_of,
    plain_id,
    require_object,
    text_field,
)
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
class ESConvImporter(Importer):
    format = "esconv"
    label = gettext_lazy("ESConv (emotional support conversations)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()
        return (
            start[:1] in "[{"
            and re.search(r'"dialog"\s*:\s*\[', start) is not None
            and re.search(r'"speaker"\s*:\s*"(seeker|supporter|speaker|listener)"', start)
            is not None
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        return records_to_sessions(self, path=path, display_name=display_name)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        dialog = list_field(record, "dialog")
        if not dialog:
            raise Invalid("dialog", dialogue_empty())
        turns = []
        strategies = []
        feedback: list[dict[str, Any]] = []
        for index, entry in enumerate(dialog):
            where = f"dialog[{index}]"
            entry = require_object(entry, where)
            speaker = SPEAKER_BY_ROLE.get(entry.get("speaker"))  # type: ignore[arg-type]
            if speaker is None:
                raise Invalid(
                    f"{where}.speaker",
                    not_one_of(entry.get("speaker"), "seeker, supporter, speaker, listener"),
                )
            try:
                text = text_field(entry, "content")
            except Invalid as problem:
                raise Invalid(f"{where}.{problem.field}", problem.message) from None
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
        metadata: dict[str, Any] = {}
        for name in TEXT_METADATA:
            value = text_field(record, name, required=False)
            if value:
                metadata[name] = value
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
            source_id=plain_id(record.get("id")),
            language="en",
            topic=text_field(record, "problem_type", required=False),
            metadata=metadata,
            labels=labels_of(
                ("emotion", [metadata.get("emotion_type")]),
                ("problem", [record.get("problem_type")]),
                ("strategy", [entry["strategy"] for entry in strategies]),
            ),
        )
