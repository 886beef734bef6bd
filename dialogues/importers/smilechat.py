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

from dialogues.importers import base, fields
from dialogues.importers.records import list_turns
from dialogues.importers.registry import register

SPEAKER_BY_ROLE = {"client": "client", "counselor": "counselor"}


@register
class SmileChatImporter(base.Importer):
    format = "smilechat"
    label = gettext_lazy("SmileChat dialogue (JSON list of client/counselor turns)")
    extensions = (".json",)

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        return (
            re.match(r'\s*\[\s*\{\s*"role"\s*:\s*"(client|counselor)"', head) is not None
            and '"content"' in head[:4000]
        )

    def read(
        self, *, path: Path, display_name: str
    ) -> Iterator[base.SessionRecord | base.RecordIssue]:
        location = base.Location(display_name, 1)
        annotations: list[dict[str, Any]] = []
        try:
            turns = list_turns(
                path=path,
                display_name=display_name,
                turn=lambda item, index: self._turn(item, index, annotations),
            )
        except fields.Invalid as problem:
            yield base.RecordIssue(location, problem.field, problem.message)
            return
        yield base.SessionRecord(
            location=location,
            turns=turns,
            source_id=PurePosixPath(display_name.replace("\\", "/")).stem,
            language="zh",
            metadata={"annotations": annotations} if annotations else {},
            labels=base.labels_of(("annotation", [note["label"] for note in annotations])),
        )

    def _turn(self, item: Any, index: int, annotations: list[dict[str, Any]]) -> base.TurnRecord:
        where = f"[{index}]"
        entry = fields.require_object(item, where)
        speaker = fields.entry_speaker(
            entry, "role", where=where, speakers=SPEAKER_BY_ROLE, allowed="client, counselor"
        )
        text = fields.entry_text(entry, "content", where=where)
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
        return base.TurnRecord(speaker, text)
