"""Sessions simulated from CounselingEval: ``{example, cbt_technique, cbt_plan, history}``.

``history`` is the conversation as ``[{role: counselor | client, message}]``; ``example`` is
the CounselingEval record the simulation started from, kept for its intake form.
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
    type_name,
)
from dialogues.importers.registry import register

SPEAKER_BY_ROLE = {"counselor": "counselor", "client": "client", "system": "system"}


@register
class CactusSessionImporter(Importer):
    format = "cactus_session"
    label = gettext_lazy("Cactus simulated sessions (example, CBT plan, history)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()
        # The example is a whole CounselingEval record, so this must be tried before
        # cactus_eval, whose keys it contains.
        return (
            start[:1] in "[{"
            and re.search(r'"history"\s*:\s*\[', start) is not None
            and '"cbt_plan"' in start
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        return records_to_sessions(self, path=path, display_name=display_name)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        history = list_field(record, "history")
        if not history:
            raise Invalid("history", dialogue_empty())
        turns = []
        for index, entry in enumerate(history):
            where = f"history[{index}]"
            if not isinstance(entry, dict):
                raise Invalid(
                    where,
                    _("expected an object with role and message, got %(type)s")
                    % {"type": type_name(entry)},
                )
            role = entry.get("role")
            if role not in SPEAKER_BY_ROLE:
                raise Invalid(f"{where}.role", not_one_of(role, "counselor, client, system"))
            try:
                text = text_field(entry, "message")
            except Invalid as problem:
                raise Invalid(f"{where}.{problem.field}", problem.message) from None
            turns.append(TurnRecord(SPEAKER_BY_ROLE[role], text))
        metadata: dict[str, Any] = {}
        for name in ("cbt_technique", "cbt_plan"):
            value = text_field(record, name, required=False)
            if value:
                metadata[name] = value
        example = record.get("example")
        if isinstance(example, dict):
            client = example.get("AI_client")
            intake = client.get("intake_form") if isinstance(client, dict) else None
            if isinstance(intake, str) and intake.strip():
                metadata["intake_form"] = intake.strip()
            if isinstance(client, dict) and isinstance(client.get("attitude"), str):
                metadata["attitude"] = client["attitude"]
            if isinstance(example.get("ground_truth_CBT"), list):
                metadata["ground_truth_cbt"] = example["ground_truth_CBT"]
        elif isinstance(example, str) and example.strip():
            metadata["example"] = example.strip()
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=plain_id(record.get("id") or record.get("idx")),
            generator_model=text_field(record, "model", required=False),
            metadata=metadata,
            labels=labels_of(
                ("cbt", [metadata.get("cbt_technique"), *metadata.get("ground_truth_cbt", [])])
            ),
        )
