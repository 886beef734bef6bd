"""Validating and normalising one record into a PreparedSession, or refusing it by field."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from dialogues.importers import (
    SessionRecord,
)
from dialogues.importers.base import SPEAKERS
from dialogues.normalize import content_hash, language_detect, text_normalize
from dialogues.services.import_writer import (
    PreparedCandidate,
    PreparedSession,
)


class InvalidRecord(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _limit(value: str, *, field: str, maximum: int) -> str:
    if len(value) > maximum:
        raise InvalidRecord(
            field,
            _("too long (%(length)d characters; at most %(maximum)d)")
            % {"length": len(value), "maximum": maximum},
        )
    return value


def session_prepare(record: SessionRecord, *, source_format: str) -> PreparedSession:
    """Validate and normalise one record; raises InvalidRecord naming the field."""
    if not record.turns:
        raise InvalidRecord("turns", _("the conversation is empty"))
    if len(record.turns) > settings.IMPORT_MAX_TURNS:
        raise InvalidRecord(
            "turns",
            _("%(count)d turns; a session may have at most %(maximum)d (IMPORT_MAX_TURNS)")
            % {"count": len(record.turns), "maximum": settings.IMPORT_MAX_TURNS},
        )
    max_chars = settings.IMPORT_MAX_TURN_CHARS
    turns: list[tuple[str, str]] = []
    for index, turn in enumerate(record.turns):
        if turn.speaker not in SPEAKERS:
            raise InvalidRecord(
                f"turns[{index}].speaker",
                _("%(speaker)r is not one of %(speakers)s")
                % {"speaker": turn.speaker, "speakers": ", ".join(SPEAKERS)},
            )
        if not isinstance(turn.text, str):
            raise InvalidRecord(f"turns[{index}].text", _("expected text"))
        if len(turn.text) > max_chars:
            raise InvalidRecord(
                f"turns[{index}].text",
                _("too long (%(length)d characters; at most %(maximum)d, IMPORT_MAX_TURN_CHARS)")
                % {"length": len(turn.text), "maximum": max_chars},
            )
        text = text_normalize(turn.text)
        if not text:
            raise InvalidRecord(f"turns[{index}].text", _("the turn is empty"))
        turns.append((turn.speaker, text))
    candidates: list[PreparedCandidate] = []
    seen_keys: set[tuple[int, str]] = set()
    keys: set[str] = set()
    for index, candidate in enumerate(record.candidates):
        where = f"candidates[{index}]"
        key = _limit(str(candidate.key).strip(), field=f"{where}.key", maximum=100)
        if not key:
            raise InvalidRecord(f"{where}.key", _("missing"))
        if not 0 <= candidate.turn_index <= len(turns):
            raise InvalidRecord(
                f"{where}.turn_index",
                _("%(index)d is outside the conversation of %(count)d turns")
                % {"index": candidate.turn_index, "count": len(turns)},
            )
        if (candidate.turn_index, key) in seen_keys:
            raise InvalidRecord(f"{where}.key", _("%(key)r appears twice") % {"key": key})
        seen_keys.add((candidate.turn_index, key))
        keys.add(key)
        if isinstance(candidate.text, str) and len(candidate.text) > max_chars:
            raise InvalidRecord(
                f"{where}.text",
                _("too long (%(length)d characters; at most %(maximum)d, IMPORT_MAX_TURN_CHARS)")
                % {"length": len(candidate.text), "maximum": max_chars},
            )
        text = text_normalize(candidate.text) if isinstance(candidate.text, str) else ""
        if not text:
            raise InvalidRecord(f"{where}.text", _("the response is empty"))
        model_name = _limit(candidate.model_name or "", field=f"{where}.model", maximum=200)
        candidates.append(
            PreparedCandidate(key, text, candidate.turn_index, model_name, candidate.metadata)
        )
    ratings: list[tuple[str, float, str, str | None]] = []
    for index, rating in enumerate(record.ratings):
        where = f"ratings[{index}]"
        score = rating.score
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or not math.isfinite(score)
        ):
            raise InvalidRecord(f"{where}.score", _("%(value)r is not a number") % {"value": score})
        if rating.candidate_key is not None and rating.candidate_key not in keys:
            raise InvalidRecord(
                f"{where}.candidate",
                _("no candidate response %(key)r") % {"key": rating.candidate_key},
            )
        ratings.append(
            (
                _limit(rating.criterion, field=f"{where}.criterion", maximum=100),
                float(score),
                _limit(rating.rater, field=f"{where}.rater", maximum=200),
                rating.candidate_key,
            )
        )
    preferences: list[tuple[str, str, str, dict[str, Any]]] = []
    for index, preference in enumerate(record.preferences):
        where = f"preferences[{index}]"
        for side in (preference.chosen_key, preference.rejected_key):
            if side not in keys:
                raise InvalidRecord(where, _("no candidate response %(key)r") % {"key": side})
        if preference.chosen_key == preference.rejected_key:
            raise InvalidRecord(where, _("a response cannot be preferred over itself"))
        preferences.append(
            (
                preference.chosen_key,
                preference.rejected_key,
                _limit(preference.provenance, field=f"{where}.provenance", maximum=200),
                preference.metadata,
            )
        )
    language = record.language or language_detect(text for _speaker, text in turns)
    if language not in ("en", "zh"):
        raise InvalidRecord("language", _("%(value)r is not en or zh") % {"value": language})
    location = record.location
    source_id = record.source_id or f"{location.file}#{location.record}"
    return PreparedSession(
        file=location.file,
        record=location.record,
        source_format=source_format,
        source_id=_limit(source_id, field="id", maximum=300),
        language=language,
        topic=_limit(record.topic or "", field="topic", maximum=200),
        generator_model=_limit(record.generator_model or "", field="model", maximum=200),
        metadata=record.metadata,
        labels=record.labels,
        turns=turns,
        candidates=candidates,
        ratings=ratings,
        preferences=preferences,
        content_hash=content_hash(turns, ((c.turn_index, c.key, c.text) for c in candidates)),
    )
