"""Sessions simulated from CounselingEval: ``{example, cbt_technique, cbt_plan, history}``.

``history`` is the conversation as ``[{role: counselor | client, message}]``; ``example`` is
the CounselingEval record the simulation started from, kept for its intake form.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers import fields
from dialogues.importers.base import Location, SessionRecord, TurnRecord, labels_of
from dialogues.importers.fields import Invalid
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register

SPEAKER_BY_ROLE = {"counselor": "counselor", "client": "client", "system": "system"}


@register
class CactusSessionImporter(JSONRecordImporter):
    format = "cactus_session"
    label = gettext_lazy("Cactus simulated sessions (example, CBT plan, history)")
    # The example is a whole CounselingEval record, so this must be tried before
    # cactus_eval, whose keys it contains.
    head_patterns = (r'"history"\s*:\s*\[', '"cbt_plan"')

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = fields.require_object(raw)
        history = fields.list_field(record, "history")
        if not history:
            raise Invalid("history", fields.dialogue_empty())
        turns = []
        for index, entry in enumerate(history):
            where = f"history[{index}]"
            if not isinstance(entry, dict):
                raise Invalid(
                    where,
                    _("expected an object with role and message, got %(type)s")
                    % {"type": fields.type_name(entry)},
                )
            speaker = fields.entry_speaker(
                entry,
                "role",
                where=where,
                speakers=SPEAKER_BY_ROLE,
                allowed="counselor, client, system",
            )
            turns.append(TurnRecord(speaker, fields.entry_text(entry, "message", where=where)))
        metadata: dict[str, Any] = fields.text_fields(record, ("cbt_technique", "cbt_plan"))
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
            source_id=fields.plain_id(record.get("id") or record.get("idx")),
            generator_model=fields.text_field(record, "model", required=False),
            metadata=metadata,
            labels=labels_of(
                ("cbt", [metadata.get("cbt_technique"), *metadata.get("ground_truth_cbt", [])])
            ),
        )
