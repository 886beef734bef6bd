"""The interface every export format implements, and the columns all formats share.

A writer receives examples already routed to a split and writes two files per split: the
training data with only TRL's conversational columns (so trainers need no column juggling) and
a provenance file with one row per data row, in the same order.

Examples reach the writers as JSON lines, encoded once: the JSONL writer writes them as they
are and the Parquet writer parses them in C++ (pyarrow.json), which measured five times
faster than converting Python dicts to Arrow arrays.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import orjson

from exports.items import Example, ExportKind

DATA_FOLDER = "data"
PROVENANCE_FOLDER = "provenance"

DATA_COLUMNS = {
    ExportKind.SFT: ("messages",),
    ExportKind.DPO: ("prompt", "chosen", "rejected"),
}
PROVENANCE_COLUMNS = (
    "id",
    "item_id",
    "turn_index",
    "source",
    "language",
    "source_session_id",
    "rubric_version",
    "scores",
    "agreement",
    "reviewers",
    # Last, because it is known only once all items were seen (see example_with_group).
    "group_id",
)
# Exports that take judge-accepted items say, per row, whose label it is ("human" or "judge").
LABEL_SOURCE_COLUMN = "label_source"


# The byte format of every JSON line: UTF-8 with Chinese left readable (no \\u escapes),
# compact separators, keys in the order the example dicts were built, NaN refused. It is what
# this encoder writes; orjson writes the same bytes in less than half the time (6.5 us against
# 16.6 us for an SFT example of ten turns and its provenance row), except for floats between 0
# and 1e-4, which it writes without an exponent (0.00001 where this writes 1e-05), NaN and
# infinities, which it writes as null, and subclasses of float (numpy's), which it refuses.
# Rows holding such floats go through this encoder, so the files stay as they were.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_LINE = orjson.OPT_APPEND_NEWLINE


def _unusual_float(value: Any) -> bool:
    """Whether ``value`` holds a float that orjson would write otherwise than ``_ENCODER``."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item) or (item and abs(item) < 1e-4):
                return True
        elif kind is dict:
            pending.extend(item.values())
        elif kind is list or kind is tuple:
            pending.extend(item)
        elif isinstance(item, float):
            return True
    return False


def _line(row: dict[str, Any], *, numbers: bool) -> bytes:
    if numbers and _unusual_float(row):
        return (_ENCODER.encode(row) + "\n").encode()
    return orjson.dumps(row, option=_LINE)


@dataclass(frozen=True, slots=True)
class EncodedExample:
    """One example as two JSON lines (UTF-8, newline included): data and provenance."""

    data: bytes
    provenance: bytes


def example_encode(example: Example) -> EncodedExample:
    """The example's two lines, always the bytes of ``_ENCODER`` (see above).

    Data rows hold TRL's chat columns, built from strings only (exports.items), so only the
    provenance row, which carries scores and agreement, is searched for unusual floats.
    """
    try:
        return EncodedExample(
            data=_line(example.data, numbers=False),
            provenance=_line(example.provenance, numbers=True),
        )
    except (ValueError, TypeError) as error:
        # ValueError: NaN, or a lone surrogate that cannot become UTF-8; orjson's errors are
        # TypeErrors.
        raise ValueError(f"{example.provenance['id']}: {error}") from None


def example_with_group(example: EncodedExample, group_id: str) -> EncodedExample:
    """The example with its group appended to the provenance line.

    Examples are encoded while items are first read, before groups exist; appending the last
    key to the encoded line spares decoding and encoding every line a second time.
    """
    line = example.provenance
    if not line.endswith(b"}\n"):
        raise ValueError("a provenance line must be one JSON object")
    group = orjson.dumps(group_id)
    return EncodedExample(example.data, line[:-2] + b',"group_id":' + group + b"}\n")


@dataclass(frozen=True)
class WrittenFile:
    path: str  # relative to the export folder, with forward slashes
    split: str
    role: str  # "data" or "provenance"
    format: str
    rows: int


class ExportWriter(ABC):
    """Writes one format. Files must depend only on the examples and their order (no clock,
    no host names), so the same export built twice is byte-identical."""

    name: ClassVar[str]
    extension: ClassVar[str]

    def __init__(self, *, folder: Path, kind: ExportKind, label_source: bool = False) -> None:
        self.folder = folder
        self.kind = kind
        # Provenance rows carry ``label_source`` (exports with judge-accepted items).
        self.label_source = label_source

    def relative_path(self, *, role: str, split: str) -> str:
        folder = DATA_FOLDER if role == "data" else PROVENANCE_FOLDER
        return f"{folder}/{split}.{self.extension}"

    def open_path(self, *, role: str, split: str) -> Path:
        path = self.folder / self.relative_path(role=role, split=split)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def written_files(
        self, keys: Iterable[tuple[str, str]], rows: Mapping[str, int]
    ) -> list[WrittenFile]:
        """What ``close`` reports: each (role, split) file written, with its split's rows."""
        return [
            WrittenFile(
                path=self.relative_path(role=role, split=split),
                split=split,
                role=role,
                format=self.name,
                rows=rows[split],
            )
            for role, split in keys
        ]

    @abstractmethod
    def write(self, *, split: str, example: EncodedExample) -> None:
        """Append one example to a split; a split's files appear with its first example."""

    @abstractmethod
    def close(self) -> list[WrittenFile]:
        """Finish every file and say what was written (splits without rows have no files)."""
