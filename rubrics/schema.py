"""The JSON Schema of a rubric file, the one source for the validator and for docs/rubrics.md.

The schema checks shape and types; rules that span several places in a file (unique codes,
points adding up to a group's maximum, translations for every declared language) are checked
in ``rubrics.files`` after it.
"""

from __future__ import annotations

from typing import Any

from rubrics.models import LANGUAGE_CODES, Measurement, Scope, TotalMethod

FORMAT_VERSION = 1

_CODE = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"}
_TEXTS = {
    "type": "object",
    "description": "One text per language code.",
    "propertyNames": {"enum": list(LANGUAGE_CODES)},
    "additionalProperties": {"type": "string"},
}
_NUMBER = {"type": "number"}

_SCALE = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["range", "binary"]},
        # Whole numbers: a rated scale is an integer range with a step, and judges and review
        # read the levels as integers.
        "min": {"type": "integer"},
        "max": {"type": "integer"},
        "step": {"type": "integer", "exclusiveMinimum": 0},
        "points": {"type": "number", "exclusiveMinimum": 0},
    },
    "additionalProperties": False,
    "allOf": [
        {
            "if": {"properties": {"kind": {"const": "range"}}},
            "then": {"required": ["min", "max"], "not": {"required": ["points"]}},
        },
        {
            "if": {"properties": {"kind": {"const": "binary"}}},
            "then": {
                "required": ["points"],
                "not": {"anyOf": [{"required": ["min"]}, {"required": ["max"]}]},
            },
        },
    ],
}

_ANCHOR = {
    "type": "object",
    "required": ["score", "text"],
    "properties": {"score": _NUMBER, "text": _TEXTS},
    "additionalProperties": False,
}

_GROUP = {
    "type": "object",
    "required": ["code", "title"],
    "properties": {
        "code": _CODE,
        "title": _TEXTS,
        "maximum": {"type": ["number", "null"], "exclusiveMinimum": 0},
    },
    "additionalProperties": False,
}

_CRITERION = {
    "type": "object",
    "required": ["code", "title", "scale"],
    "properties": {
        "code": _CODE,
        "group": {"anyOf": [_CODE, {"type": "null"}]},
        "title": _TEXTS,
        "description": _TEXTS,
        "scale": _SCALE,
        "weight": {"type": "number", "exclusiveMinimum": 0},
        "not_applicable": {"type": "boolean"},
        "rationale_required": {"type": "boolean"},
        "measurement": {"enum": list(Measurement.values)},
        "anchors": {"type": "array", "items": _ANCHOR},
    },
    "additionalProperties": False,
}

RUBRIC_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://rapport.example.org/schemas/rubric-1.json",
    "title": "Rapport rubric file",
    "type": "object",
    "required": ["format", "slug", "version", "scope", "languages", "name", "total", "criteria"],
    "properties": {
        "format": {"const": FORMAT_VERSION},
        "slug": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,79}$"},
        "version": {"type": "integer", "minimum": 1},
        "scope": {"enum": list(Scope.values)},
        "languages": {
            "type": "array",
            "items": {"enum": list(LANGUAGE_CODES)},
            "minItems": 1,
            "uniqueItems": True,
        },
        "name": _TEXTS,
        "description": _TEXTS,
        "source": {"type": "string"},
        "total": {
            "type": "object",
            "required": ["method"],
            "properties": {
                "method": {"enum": list(TotalMethod.values)},
                "cutoff": {"type": ["number", "null"]},
            },
            "additionalProperties": False,
        },
        "groups": {"type": "array", "items": _GROUP},
        "criteria": {"type": "array", "items": _CRITERION, "minItems": 1},
    },
    "additionalProperties": False,
}
