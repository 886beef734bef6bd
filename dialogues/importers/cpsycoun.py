"""CPsyCoun: CPsyCounD report-based dialogues (``.txt``) and CPsyCounE evaluation sets (JSON).

CPsyCounD is one session per text file, turns as paragraphs ``来访者：`` (client) and
``心理咨询师：`` (counselor); some files use CRLF, and about one in five has lines without a
label (numbered advice, stage directions such as （一段时间后）) that belong to the speaker
before them. CPsyCounE is one session per JSON file, a list of strings prefixed ``求助者：``
(client) or ``支持者：`` (counselor); its topic is the name of the folder holding the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
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
from dialogues.importers.fields import Invalid, dialogue_empty, expected_text
from dialogues.importers.reading import text_lines
from dialogues.importers.records import list_turns
from dialogues.importers.registry import register

D_SPEAKERS = {
    "来访者": "client",
    "求助者": "client",
    "心理咨询师": "counselor",
    "咨询师": "counselor",
}
D_LABEL = re.compile(r"^\s*(来访者|求助者|心理咨询师|咨询师)\s*[：:]\s*(.*)$")

# The nine topic folders of the published CPsyCounE set. A file imported on its own keeps its
# folder's name when it is one of these (see the import_sessions command), so it keeps its topic.
TOPIC_FOLDERS = frozenset(
    (
        "Career",
        "Education",
        "Emotion&Stress",
        "Family Relationship",
        "Love&Marriage",
        "Mental Disease",
        "Self-growth",
        "Sex",
        "Social Relationship",
    )
)

E_SPEAKERS = {"求助者": "client", "来访者": "client", "支持者": "counselor"}
E_LABEL = re.compile(r"^\s*(求助者|来访者|支持者)\s*[：:]\s*(.*)$", re.DOTALL)


def _source_id(display_name: str, *, keep_folder: bool) -> str:
    name = PurePosixPath(display_name.replace("\\", "/"))
    if keep_folder and name.parent.name:
        return f"{name.parent.name}/{name.stem}"
    return name.stem


@register
class CPsyCounDImporter(Importer):
    format = "cpsycound"
    label = gettext_lazy("CPsyCounD dialogue (.txt)")
    extensions = (".txt",)

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        first = next((line for line in head.splitlines() if line.strip()), "")
        return D_LABEL.match(first) is not None

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        location = Location(display_name, 1)
        speakers: list[str] = []
        texts: list[list[str]] = []
        for number, line in text_lines(path=path, display_name=display_name):
            if not line.strip():
                # A blank line inside a turn separates its paragraphs; those before the next
                # speaker's label are trimmed with the turn's ends.
                if texts:
                    texts[-1].append("")
                continue
            match = D_LABEL.match(line)
            if match:
                speakers.append(D_SPEAKERS[match[1]])
                texts.append([match[2].strip()])
            elif not speakers:
                yield RecordIssue(
                    Location(display_name, 1, number),
                    "(speaker)",
                    _(
                        "unknown speaker label: the first line starts %(start)r; "
                        "expected 来访者： or 心理咨询师："
                    )
                    % {"start": line.strip()[:20]},
                )
                return
            else:
                texts[-1].append(line.strip())
        turns = [
            TurnRecord(speaker, "\n".join(parts).strip("\n"))
            for speaker, parts in zip(speakers, texts, strict=True)
            if any(parts)
        ]
        if not turns:
            yield RecordIssue(location, "(dialogue)", dialogue_empty())
            return
        yield SessionRecord(
            location=location,
            turns=turns,
            source_id=_source_id(display_name, keep_folder=False),
            language="zh",
        )


@register
class CPsyCounEImporter(Importer):
    format = "cpsycoune"
    label = gettext_lazy("CPsyCounE dialogue (JSON list of 求助者/支持者 lines)")
    extensions = (".json",)

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        return re.match(r'\s*\[\s*"\s*(求助者|支持者)\s*[：:]', head) is not None

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        location = Location(display_name, 1)
        try:
            turns = list_turns(path=path, display_name=display_name, turn=self._turn)
        except Invalid as problem:
            yield RecordIssue(location, problem.field, problem.message)
            return
        # The display name keeps the path inside the upload: cpsycoune/婚恋/1.json.
        topic = PurePosixPath(display_name.replace("\\", "/")).parent.name
        yield SessionRecord(
            location=location,
            turns=turns,
            source_id=_source_id(display_name, keep_folder=True),
            language="zh",
            topic=topic,
            labels=labels_of(("topic", [topic])),
        )

    def _turn(self, item: Any, index: int) -> TurnRecord | None:
        if not isinstance(item, str):
            raise Invalid(f"[{index}]", expected_text(item))
        match = E_LABEL.match(item)
        if not match:
            raise Invalid(
                f"[{index}]",
                _("unknown speaker label: %(start)r does not start with 求助者： or 支持者：")
                % {"start": item.strip()[:20]},
            )
        text = match[2].strip()
        return TurnRecord(E_SPEAKERS[match[1]], text) if text else None
