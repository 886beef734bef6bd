"""Cactus, training layout: one JSON list, each row a whole session as one ``dialogue`` string.

Rows carry the client's automatic ``thought``, its distortion ``patterns``, the simulated
client's ``attitude``, the ``cbt_technique`` with its ``cbt_plan``, and a multi-section
``intake_form``; all of them become session metadata.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers.base import Location, SessionRecord, labels_of
from dialogues.importers.fields import (
    Invalid,
    plain_id,
    require_object,
    text_field,
    text_fields,
)
from dialogues.importers.labelled import labelled_turns
from dialogues.importers.records import JSONRecordImporter
from dialogues.importers.registry import register

TEXT_METADATA = ("thought", "attitude", "cbt_technique", "cbt_plan", "intake_form")


def string_list(record: dict[str, Any], name: str) -> list[str]:
    """A list of labels, also accepted as one comma-separated string."""
    value = record.get(name)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(name, _("expected a list of text"))
    return [item.strip() for item in value if item.strip()]


@register
class CactusImporter(JSONRecordImporter):
    format = "cactus"
    label = gettext_lazy("Cactus (training layout, JSON list)")
    head_patterns = (r'"dialogue"\s*:\s*"', r'"(cbt_technique|intake_form|patterns)"')

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        turns = labelled_turns(text_field(record, "dialogue"), field="dialogue")
        metadata: dict[str, Any] = text_fields(record, TEXT_METADATA)
        patterns = string_list(record, "patterns")
        if patterns:
            metadata["patterns"] = patterns
        return SessionRecord(
            location=location,
            turns=turns,
            source_id=plain_id(record.get("id")),
            metadata=metadata,
            labels=labels_of(("cbt", [metadata.get("cbt_technique")]), ("pattern", patterns)),
        )
