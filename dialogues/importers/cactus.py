"""Cactus, training layout: one JSON list, each row a whole session as one ``dialogue`` string.

Rows carry the client's automatic ``thought``, its distortion ``patterns``, the simulated
client's ``attitude``, the ``cbt_technique`` with its ``cbt_plan``, and a multi-section
``intake_form``; all of them become session metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers.base import Importer, Location, RecordIssue, SessionRecord, labels_of
from dialogues.importers.labelled import labelled_turns
from dialogues.importers.reading import (
    Invalid,
    JSONLineError,
    json_records,
    plain_id,
    require_object,
    text_field,
)
from dialogues.importers.registry import register

TEXT_METADATA = ("thought", "attitude", "cbt_technique", "cbt_plan", "intake_form")


def records_to_sessions(
    importer: Any, *, path: Path, display_name: str
) -> Iterator[SessionRecord | RecordIssue]:
    """The JSON-record loop every JSON format shares: bad JSON and Invalid become issues."""
    for location, raw in json_records(path=path, display_name=display_name):
        if isinstance(raw, JSONLineError):
            yield RecordIssue(location, "(json)", str(raw))
            continue
        try:
            yield importer.session(location, raw)
        except Invalid as problem:
            yield RecordIssue(location, problem.field, problem.message)


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
class CactusImporter(Importer):
    format = "cactus"
    label = gettext_lazy("Cactus (training layout, JSON list)")
    extensions = (".json", ".jsonl")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        start = head.lstrip()
        return (
            start[:1] in "[{"
            and re.search(r'"dialogue"\s*:\s*"', start) is not None
            and any(f'"{key}"' in start for key in ("cbt_technique", "intake_form", "patterns"))
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        return records_to_sessions(self, path=path, display_name=display_name)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        turns = labelled_turns(text_field(record, "dialogue"), field="dialogue")
        metadata: dict[str, Any] = {}
        for name in TEXT_METADATA:
            value = text_field(record, name, required=False)
            if value:
                metadata[name] = value
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
