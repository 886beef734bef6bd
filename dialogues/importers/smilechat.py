"""SmileChat: one dialogue per JSON file, a list of ``{role: client | counselor, content}``.

Turns may carry sentence ``annotation``s (``{sentence, label}``); the labels that are set are
kept in the session metadata with the turn they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
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
from dialogues.importers.reading import (
    Invalid,
    JSONLineError,
    dialogue_empty,
    json_list_items,
    not_one_of,
    require_object,
    text_field,
)
from dialogues.importers.registry import register

SPEAKER_BY_ROLE = {"client": "client", "counselor": "counselor"}


@register
class SmileChatImporter(Importer):
    format = "smilechat"
    label = gettext_lazy("SmileChat dialogue (JSON list of client/counselor turns)")
    extensions = (".json",)

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        return (
            re.match(r'\s*\[\s*\{\s*"role"\s*:\s*"(client|counselor)"', head) is not None
            and '"content"' in head[:4000]
        )

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        location = Location(display_name, 1)
        turns: list[TurnRecord] = []
        annotations: list[dict[str, Any]] = []
        for item_location, item in json_list_items(path=path, display_name=display_name):
            index = item_location.record - 1
            if isinstance(item, JSONLineError):
                yield RecordIssue(location, f"[{index}]", str(item))
                return
            try:
                turns.append(self._turn(item, index, annotations))
            except Invalid as problem:
                yield RecordIssue(location, problem.field, problem.message)
                return
        if not turns:
            yield RecordIssue(location, "(dialogue)", dialogue_empty())
            return
        yield SessionRecord(
            location=location,
            turns=turns,
            source_id=PurePosixPath(display_name.replace("\\", "/")).stem,
            language="zh",
            metadata={"annotations": annotations} if annotations else {},
            labels=labels_of(("annotation", [note["label"] for note in annotations])),
        )

    def _turn(self, item: Any, index: int, annotations: list[dict[str, Any]]) -> TurnRecord:
        where = f"[{index}]"
        entry = require_object(item, where)
        role = entry.get("role")
        if role not in SPEAKER_BY_ROLE:
            raise Invalid(f"{where}.role", not_one_of(role, "client, counselor"))
        try:
            text = text_field(entry, "content")
        except Invalid as problem:
            raise Invalid(f"{where}.{problem.field}", problem.message) from None
        notes = entry.get("annotation")
        if isinstance(notes, list):
            for note in notes:
                if isinstance(note, dict) and note.get("label"):
                    annotations.append(
                        {
                            "turn": index,
                            "sentence": note.get("sentence", ""),
                            "label": note["label"],
                        }
                    )
        return TurnRecord(SPEAKER_BY_ROLE[role], text)
