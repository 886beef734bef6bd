"""JSON Lines: one example per line, UTF-8, written as the examples arrive."""

from __future__ import annotations

from typing import IO, Any

from exports.writers.base import EncodedExample, ExportWriter, WrittenFile

# Examples are small and many: large buffers turn them into few system calls.
FILE_BUFFER = 1 << 20


class JsonlWriter(ExportWriter):
    name = "jsonl"
    extension = "jsonl"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._files: dict[tuple[str, str], IO[bytes]] = {}
        self._rows: dict[str, int] = {}

    def _file(self, role: str, split: str) -> IO[bytes]:
        key = (role, split)
        if key not in self._files:
            path = self.open_path(role=role, split=split)
            self._files[key] = path.open("wb", buffering=FILE_BUFFER)
        return self._files[key]

    def write(self, *, split: str, example: EncodedExample) -> None:
        self._file("data", split).write(example.data)
        self._file("provenance", split).write(example.provenance)
        self._rows[split] = self._rows.get(split, 0) + 1

    def close(self) -> list[WrittenFile]:
        for handle in self._files.values():
            handle.close()
        written = self.written_files(self._files, self._rows)
        self._files = {}
        return written
