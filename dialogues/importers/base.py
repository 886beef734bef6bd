"""What every importer produces, and the interface it implements.

An importer reads one file and yields, in file order, either a :class:`SessionRecord` (a record
it understood) or a :class:`RecordIssue` (a record it could not use, saying where and why). It
never touches the database: the import service normalises, de-duplicates, screens and writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from django.utils.functional import Promise

from core.exceptions import ApplicationError

SPEAKERS = ("client", "counselor", "system")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a record sits: the file, its 1-based record number and, for text formats, the line."""

    file: str
    record: int
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}, record {self.record}"
        return f"{where}, line {self.line}" if self.line is not None else where


@dataclass(frozen=True, slots=True)
class TurnRecord:
    speaker: str  # one of SPEAKERS
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CandidateRecord:
    """An alternative counselor response to the record's first ``turn_index`` turns."""

    key: str
    text: str
    turn_index: int
    model_name: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingRecord:
    """A score the file carried, for a candidate (by key) or for the whole session (None)."""

    criterion: str
    score: float
    rater: str
    candidate_key: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PreferenceRecord:
    chosen_key: str
    rejected_key: str
    provenance: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class SessionRecord:
    location: Location
    turns: list[TurnRecord]
    source_id: str = ""  # the source's own id; the service falls back to the location
    language: str | None = None  # "en" or "zh" when the source says; detected otherwise
    topic: str = ""
    generator_model: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    candidates: list[CandidateRecord] = field(default_factory=list)
    ratings: list[RatingRecord] = field(default_factory=list)
    preferences: list[PreferenceRecord] = field(default_factory=list)
    # What the reader left out of this record without refusing it, by kind (``LEFT_OUT``
    # keys), so the batch report can count it: {"empty_messages": 2}.
    left_out: dict[str, int] = field(default_factory=dict)


LABEL_MAX = 100


def labels_of(*groups: tuple[str, Iterable[Any]]) -> list[str]:
    """Session labels ``kind:value`` from the source's own annotations, once each, in order.

    The kind says where a label came from (``strategy:Question`` from ESConv, ``cbt:...`` from
    Cactus), so the same word from two sources or two fields stays apart.
    """
    labels: list[str] = []
    for kind, values in groups:
        for value in values:
            text = " ".join(str(value).split()) if value is not None else ""
            label = f"{kind}:{text}"[:LABEL_MAX]
            if text and label not in labels:
                labels.append(label)
    return labels


@dataclass(frozen=True, slots=True)
class RecordIssue:
    """Why a record was not imported: names the file, record (and line) and field."""

    location: Location
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.location.file,
            "record": self.location.record,
            "line": self.location.line,
            "field": self.field,
            "message": self.message,
        }


class FormatError(ApplicationError):
    """The file as a whole cannot be read in this format (not JSON, wrong encoding, ...)."""


class Importer:
    """One source format. Subclasses set the class attributes and implement ``sniff`` and ``read``.

    ``sniff`` looks at the start of a file and says whether it is in this format; it must be
    cheap and must not raise. ``read`` yields records and issues, streaming; it raises
    :class:`FormatError` for a problem with the file as a whole (empty, not UTF-8, not JSON,
    missing CSV or Parquet columns). Because reading streams, bytes that are not UTF-8 deep in a
    file are found only when reached, after earlier records were yielded; a caller that must not
    keep part of a broken file checks the encoding first (the import service does).
    """

    format: ClassVar[str]  # registry key, used by --format
    label: ClassVar[str | Promise]  # shown to people; translatable
    extensions: ClassVar[tuple[str, ...]]  # e.g. (".json", ".jsonl")
    # Columns that name real people. ``read`` never puts them in a record, and once a batch has
    # run the import service has ``stored_copy_scrub`` remove them from the stored upload too.
    personal_columns: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def stored_copy_scrub(cls, *, path: Path) -> None:
        """Rewrite the stored file without ``personal_columns``; only formats with them do."""

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        raise NotImplementedError

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        raise NotImplementedError
