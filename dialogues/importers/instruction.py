"""The instruction / input / output layout of most counseling SFT sets (MentalChat16K, Psych8k).

``instruction`` is the prompt given to the model (a system turn), ``input`` what the client
said and ``output`` the counselor's answer, in JSON, JSONL or (MentalChat16K's release) CSV.
Alpaca-style rows with an empty ``input`` put the client's words in ``instruction``; then it is
the client turn.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers.base import Location, RecordIssue, SessionRecord, TurnRecord
from dialogues.importers.fields import Invalid, plain_id, require_object, text_field
from dialogues.importers.reading import csv_rows
from dialogues.importers.records import JSONRecordImporter, json_head_matches, rows_to_sessions
from dialogues.importers.registry import register


@register
class InstructionImporter(JSONRecordImporter):
    format = "instruction"
    label = gettext_lazy("Instruction / input / output (MentalChat16K, Psych8k)")
    extensions = (".json", ".jsonl", ".csv")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        if path.suffix.lower() == ".csv":
            # MentalChat16K's CSV release: a header of instruction, input, output.
            header = next(csv.reader(io.StringIO(head.lstrip("\ufeff"))), [])
            return {"instruction", "output"} <= {name.strip() for name in header}
        return json_head_matches(head, r'"instruction"\s*:', r'"output"\s*:')

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        if path.suffix.lower() != ".csv":
            return super().read(path=path, display_name=display_name)
        rows = csv_rows(path=path, display_name=display_name, required=("instruction", "output"))
        return rows_to_sessions(self, rows)

    def session(self, location: Location, raw: Any) -> SessionRecord:
        record = require_object(raw)
        instruction = text_field(record, "instruction", required=False)
        client = text_field(record, "input", required=False)
        output = text_field(record, "output")
        if client:
            turns = [TurnRecord("client", client), TurnRecord("counselor", output)]
            if instruction:
                turns.insert(0, TurnRecord("system", instruction))
        elif instruction:
            turns = [TurnRecord("client", instruction), TurnRecord("counselor", output)]
        else:
            raise Invalid(
                "input", _("missing: neither input nor instruction holds the client's words")
            )
        return SessionRecord(location=location, turns=turns, source_id=plain_id(record.get("id")))
