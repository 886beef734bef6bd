"""What an import run did: counts, the error and duplicate reports, what it left out."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from dialogues.importers import (
    RecordIssue,
)
from dialogues.importers.base import Importer
from dialogues.models import (
    ImportBatch,
)
from dialogues.services.import_writer import (
    MAX_REPORTED,
)


@dataclass
class ImportOutcome:
    batch_id: int
    status: str
    records_total: int = 0
    sessions_created: int = 0
    turns_created: int = 0
    duplicates: int = 0
    invalid: int = 0
    candidates_created: int = 0
    flags_created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicate_report: list[dict[str, Any]] = field(default_factory=list)
    formats: set[str] = field(default_factory=set)
    # Uploaded files (batch.files names) read by a format with personal columns, and that format.
    personal: dict[str, type[Importer]] = field(default_factory=dict)
    # What was left out without refusing anything, by kind (see ImportBatch.LEFT_OUT).
    left_out: dict[str, int] = field(default_factory=dict)
    # Reading and writing both count what was left out, from two threads (WriteBehind).
    _counting: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def leave_out(self, kind: str, count: int) -> None:
        with self._counting:
            self.left_out[kind] = self.left_out.get(kind, 0) + count

    def as_result(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "status": str(self.status),
            "created": self.sessions_created,
            "duplicates": self.duplicates,
            "invalid": self.invalid,
            "candidates": self.candidates_created,
            "flags": self.flags_created,
        }

    def error(
        self, *, file: str, record: int | None, line: int | None, field: str, message: str
    ) -> None:
        self.invalid += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(
                {"file": file, "line": line, "record": record, "field": field, "message": message}
            )

    def issue(self, issue: RecordIssue) -> None:
        self.error(
            file=issue.location.file,
            record=issue.location.record,
            line=issue.location.line,
            field=issue.field,
            message=issue.message,
        )

    def file_error(self, file: str, message: str) -> None:
        self.error(file=file, record=None, line=None, field="(file)", message=message)


def outcome_of(batch: ImportBatch) -> ImportOutcome:
    return ImportOutcome(
        batch_id=batch.pk,
        status=batch.status,
        records_total=batch.records_total,
        sessions_created=batch.sessions_created,
        duplicates=batch.duplicates,
        invalid=batch.invalid,
        candidates_created=batch.candidates_created,
        flags_created=batch.flags_created,
    )
