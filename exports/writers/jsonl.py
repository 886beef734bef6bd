"""JSON Lines: one example per line, UTF-8, written as the examples arrive."""

from __future__ import annotations

import json
from typing import IO, Any

from exports.items import Example
from exports.writers.base import ExportWriter, WrittenFile


def _line(row: dict[str, Any]) -> str:
    # Chinese stays readable; compact separators and a fixed key order keep bytes stable.
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


class JsonlWriter(ExportWriter):
    name = "jsonl"
    extension = "jsonl"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._files: dict[tuple[str, str], IO[str]] = {}
        self._rows: dict[str, int] = {}

    def _file(self, role: str, split: str) -> IO[str]:
        key = (role, split)
        if key not in self._files:
            path = self.open_path(role=role, split=split)
            self._files[key] = path.open("w", encoding="utf-8", newline="\n")
        return self._files[key]

    def write(self, *, split: str, example: Example) -> None:
        self._file("data", split).write(_line(example.data))
        self._file("provenance", split).write(_line(example.provenance))
        self._rows[split] = self._rows.get(split, 0) + 1

    def close(self) -> list[WrittenFile]:
        written = []
        for (role, split), handle in self._files.items():
            handle.close()
            written.append(
                WrittenFile(
                    path=self.relative_path(role=role, split=split),
                    split=split,
                    role=role,
                    format=self.name,
                    rows=self._rows[split],
                )
            )
        self._files = {}
        return written
