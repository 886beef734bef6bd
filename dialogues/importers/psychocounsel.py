"""PsychoCounsel-Preference: a client speech, a chosen and a rejected response, 14 ratings.

The client's ``question`` is a one-turn context; ``chosen`` and ``rejected`` are two candidate
responses to it (``turn_index`` 1) with their generating models, and the dataset's preference
for one over the other is kept with its provenance. The seven principle ratings of each
response (integers 1-5, given by GPT-4o in the paper) become source ratings. The hub ships
Parquet; JSONL with the same fields is read the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogues.importers import base, fields
from dialogues.importers.fields import Invalid
from dialogues.importers.reading import parquet_rows
from dialogues.importers.records import JSONRecordImporter, json_head_matches, rows_to_sessions
from dialogues.importers.registry import register

PRINCIPLES = ("empathy", "relevance", "clarity", "safety", "exploration", "autonomy", "staging")
SIDES = ("chosen", "rejected")
RATING_FIELDS = tuple(f"{side}_{p}_rating" for side in SIDES for p in PRINCIPLES)
REQUIRED_COLUMNS = ("question", "chosen", "rejected", *RATING_FIELDS)
RATER = "gpt-4o (PsychoCounsel-Preference)"
PROVENANCE = "PsychoCounsel-Preference"


def rating_value(record: dict[str, Any], name: str) -> int:
    value = record.get(name)
    if value is None:
        raise Invalid(name, fields.missing())
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(
            name, _("expected a whole number 1-5, got %(type)s") % {"type": fields.type_name(value)}
        )
    if value != int(value) or not 1 <= value <= 5:
        raise Invalid(name, _("%(value)s is outside 1-5") % {"value": f"{value:g}"})
    return int(value)


@register
class PsychoCounselImporter(JSONRecordImporter):
    format = "psychocounsel"
    label = gettext_lazy("PsychoCounsel-Preference (Parquet or JSONL)")
    extensions = (".parquet", ".jsonl", ".json")

    @classmethod
    def sniff(cls, *, path: Path, head: str) -> bool:
        if path.suffix.lower() == ".parquet":
            try:
                import pyarrow.parquet as pq

                names = set(pq.ParquetFile(path).schema_arrow.names)
            except Exception:
                return False
            return {"question", "chosen", "rejected"} <= names
        return json_head_matches(
            head, *(rf'"{key}"\s*:' for key in ("question", "chosen", "rejected"))
        )

    def read(
        self, *, path: Path, display_name: str
    ) -> Iterator[base.SessionRecord | base.RecordIssue]:
        if path.suffix.lower() != ".parquet":
            return super().read(path=path, display_name=display_name)
        rows = parquet_rows(path=path, display_name=display_name, required=REQUIRED_COLUMNS)
        return rows_to_sessions(self, rows)

    def session(self, location: base.Location, raw: Any) -> base.SessionRecord:
        record = fields.require_object(raw)
        question = fields.text_field(record, "question")
        candidates = []
        for side in SIDES:
            candidates.append(
                base.CandidateRecord(
                    key=side,
                    text=fields.text_field(record, side),
                    turn_index=1,
                    model_name=fields.text_field(record, f"{side}_model", required=False),
                )
            )
        ratings = [
            base.RatingRecord(
                criterion=principle,
                score=rating_value(record, f"{side}_{principle}_rating"),
                rater=RATER,
                candidate_key=side,
            )
            for side in SIDES
            for principle in PRINCIPLES
        ]
        metadata: dict[str, Any] = {}
        if record.get("prefID") is not None:
            metadata["pref_id"] = fields.plain_id(record["prefID"])
        return base.SessionRecord(
            location=location,
            turns=[base.TurnRecord("client", question)],
            source_id=fields.plain_id(record.get("ID") or record.get("id")),
            language="en",
            metadata=metadata,
            candidates=candidates,
            ratings=ratings,
            preferences=[
                base.PreferenceRecord(
                    chosen_key="chosen", rejected_key="rejected", provenance=PROVENANCE
                )
            ],
        )
