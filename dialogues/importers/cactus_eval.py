"""Cactus CounselingEval records: an intake form and the opening exchange of a session.

Each record holds the simulated client (``AI_client``: intake form, attitude, the opening
``dialogue_history_init``) and the ``ground_truth_CBT`` techniques a counselor should use.
The Chinese set keeps the client's side in English and gives the translated opening in
``AI_counselor.CBT.dialogue_history_init`` (labelled 咨询师 / 来访者); that translation is the
session, so a Chinese record imports as Chinese. A finished simulation may fill
``AI_client.dialogue_history``; when it does, the whole history is the session.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy

from dialogues.importers.base import Location, SessionRecord, labels_of
from dialogues.importers.cactus import string_list
from dialogues.importers.fields import Invalid, plain_id, require_object, text_field
from dialogues.importers.labelled import labelled_turns
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register

CHINESE_LABEL = re.compile(r"^\s*(咨询师|来访者|心理咨询师)\s*[:：]", re.MULTILINE)


@register
class CactusEvalImporter(JSONRecordImporter):
    format = "cactus_eval"
    label = gettext_lazy("Cactus CounselingEval records (JSON list)")
    head_patterns = ('"AI_client"', "dialogue_history_init")

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        client = require_object(record.get("AI_client"), "AI_client")
        counselor = record.get("AI_counselor")
        cbt = counselor.get("CBT") if isinstance(counselor, dict) else None
        translated = cbt.get("dialogue_history_init") if isinstance(cbt, dict) else None

        history = client.get("dialogue_history")
        if isinstance(history, str) and history.strip():
            field, dialogue = "AI_client.dialogue_history", history
        elif isinstance(translated, str) and CHINESE_LABEL.search(translated):
            field, dialogue = "AI_counselor.CBT.dialogue_history_init", translated
        else:
            try:
                dialogue = text_field(client, "dialogue_history_init")
            except Invalid as problem:
                raise Invalid(f"AI_client.{problem.field}", problem.message) from None
            field = "AI_client.dialogue_history_init"
        turns = labelled_turns(dialogue, field=field)

        metadata: dict[str, Any] = {}
        for name in ("intake_form", "attitude", "attitude_instruction"):
            try:
                value = text_field(client, name, required=False)
            except Invalid as problem:
                raise Invalid(f"AI_client.{problem.field}", problem.message) from None
            if value:
                metadata[name] = value
        techniques = string_list(record, "ground_truth_CBT")
        if techniques:
            metadata["ground_truth_cbt"] = techniques
            metadata["cbt_technique"] = techniques[0]
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=plain_id(record.get("idx")),
            language="zh" if field.startswith("AI_counselor") else None,
            metadata=metadata,
            labels=labels_of(("cbt", techniques)),
        )
