"""Importers, one per source format, behind a registry keyed by format name."""

from __future__ import annotations

from dialogues.importers.base import (
    CandidateRecord,
    FormatError,
    Importer,
    Location,
    PreferenceRecord,
    RatingRecord,
    RecordIssue,
    SessionRecord,
    TurnRecord,
)
from dialogues.importers.registry import (
    UnknownFormat,
    format_detect,
    importer_for,
    importer_formats,
    register,
)

__all__ = [
    "CandidateRecord",
    "FormatError",
    "Importer",
    "Location",
    "PreferenceRecord",
    "RatingRecord",
    "RecordIssue",
    "SessionRecord",
    "TurnRecord",
    "UnknownFormat",
    "format_detect",
    "importer_for",
    "importer_formats",
    "register",
]
