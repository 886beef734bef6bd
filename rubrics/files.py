"""Rubric files: reading, checking and writing the YAML form of a rubric.

A file is parsed into a *definition*: a plain dict in canonical form (every key present, in a
fixed order, numbers as ``int`` when whole). ``definition_dump`` writes a definition back
deterministically, so exporting a rubric that was loaded from a canonical file gives the same
bytes, and comparing two dumps is how the loader tells "already loaded" from "changed".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import jsonschema
import yaml

from core.exceptions import ApplicationError
from rubrics.models import LANGUAGE_CODES, Measurement, Rubric, ScaleKind, TotalMethod
from rubrics.schema import FORMAT_VERSION, RUBRIC_FILE_SCHEMA

Definition = dict[str, Any]

# The models keep three decimal places; more would not survive a round trip.
_PLACES = Decimal("0.001")


class RubricFileError(ApplicationError):
    """A rubric file that cannot be used, with every problem found (file, path, what is wrong)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def number_out(value: Decimal | int | float) -> int | float:
    """A number as it is written to a file: whole numbers without a decimal point."""
    decimal = Decimal(str(value))
    if decimal == decimal.to_integral_value():
        return int(decimal)
    return float(decimal.normalize())


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _texts(texts: dict[str, str] | None) -> dict[str, str]:
    """Texts in the fixed language order, empty ones dropped."""
    texts = texts or {}
    return {code: texts[code] for code in LANGUAGE_CODES if texts.get(code, "").strip()}


def _canonical(data: dict[str, Any]) -> Definition:
    """The canonical definition of a schema-valid file: defaults filled in, fixed key order."""

    def criterion(item: dict[str, Any]) -> dict[str, Any]:
        scale = item["scale"]
        if scale["kind"] == ScaleKind.BINARY:
            scale_out: dict[str, Any] = {"kind": "binary", "points": number_out(scale["points"])}
        else:
            scale_out = {
                "kind": "range",
                "min": number_out(scale["min"]),
                "max": number_out(scale["max"]),
                "step": number_out(scale.get("step", 1)),
            }
        default_level = (
            Measurement.NOMINAL if scale["kind"] == ScaleKind.BINARY else Measurement.ORDINAL
        )
        return {
            "code": item["code"],
            "group": item.get("group"),
            "title": _texts(item["title"]),
            "description": _texts(item.get("description")),
            "scale": scale_out,
            "weight": number_out(item.get("weight", 1)),
            "not_applicable": item.get("not_applicable", False),
            "rationale_required": item.get("rationale_required", False),
            "measurement": item.get("measurement", str(default_level)),
            "anchors": [
                {"score": number_out(anchor["score"]), "text": _texts(anchor["text"])}
                for anchor in item.get("anchors", [])
            ],
        }

    cutoff = data["total"].get("cutoff")
    return {
        "format": FORMAT_VERSION,
        "slug": data["slug"],
        "version": data["version"],
        "scope": data["scope"],
        "languages": [code for code in LANGUAGE_CODES if code in data["languages"]],
        "name": _texts(data["name"]),
        "description": _texts(data.get("description")),
        "source": data.get("source", ""),
        "total": {
            "method": data["total"]["method"],
            "cutoff": None if cutoff is None else number_out(cutoff),
        },
        "groups": [
            {
                "code": group["code"],
                "title": _texts(group["title"]),
                "maximum": None if group.get("maximum") is None else number_out(group["maximum"]),
            }
            for group in data.get("groups", [])
        ],
        "criteria": [criterion(item) for item in data["criteria"]],
    }


def _duplicates(values: Iterable[str]) -> set[str]:
    return {value for value, count in Counter(values).items() if count > 1}


def _check_texts(
    texts: dict[str, str], where: str, languages: list[str], *, required: bool
) -> list[str]:
    problems = []
    given = {code for code, text in texts.items() if text.strip()}
    if not given and not required:
        return []
    for code in languages:
        if code not in given:
            problems.append(f"{where}: no text in {code!r}, a declared language")
    for code in sorted(given - set(languages)):
        problems.append(f"{where}: text in {code!r}, which is not in `languages`")
    return problems


def _criterion_range(item: dict[str, Any], method: str) -> tuple[Decimal, Decimal]:
    """What one criterion adds to its group's total at least and at most."""
    scale = item["scale"]
    if scale["kind"] == ScaleKind.BINARY:
        low, high = Decimal(0), _decimal(scale["points"])
    else:
        low, high = _decimal(scale["min"]), _decimal(scale["max"])
    if method == TotalMethod.WEIGHTED_SUM:
        weight = _decimal(item["weight"])
        return low * weight, high * weight
    return low, high


def _semantic_problems(data: Definition) -> list[str]:
    problems: list[str] = []
    languages = data["languages"]
    method = data["total"]["method"]
    problems += _check_texts(data["name"], "name", languages, required=True)
    problems += _check_texts(data["description"], "description", languages, required=False)

    group_codes = [group["code"] for group in data["groups"]]
    for index, group in enumerate(data["groups"]):
        where = f"groups[{index}]"
        if group["code"] in _duplicates(group_codes):
            problems.append(f"{where}.code: duplicate group code {group['code']!r}")
        problems += _check_texts(group["title"], f"{where}.title", languages, required=True)

    codes = [item["code"] for item in data["criteria"]]
    for index, item in enumerate(data["criteria"]):
        where = f"criteria[{index}]"
        if item["code"] in _duplicates(codes):
            problems.append(f"{where}.code: duplicate criterion code {item['code']!r}")
        if item["group"] is not None and item["group"] not in group_codes:
            problems.append(f"{where}.group: no group with code {item['group']!r}")
        if data["groups"] and item["group"] is None:
            problems.append(f"{where}.group: this rubric has groups; name the criterion's group")
        problems += _check_texts(item["title"], f"{where}.title", languages, required=True)
        problems += _check_texts(
            item["description"], f"{where}.description", languages, required=False
        )
        problems += _scale_problems(item, where, method)
        for number, anchor in enumerate(item["anchors"]):
            problems += _check_texts(
                anchor["text"], f"{where}.anchors[{number}].text", languages, required=True
            )

    for index, group in enumerate(data["groups"]):
        if group["maximum"] is None:
            continue
        members = [item for item in data["criteria"] if item["group"] == group["code"]]
        reached = sum((_criterion_range(item, method)[1] for item in members), Decimal(0))
        if reached != _decimal(group["maximum"]):
            problems.append(
                f"groups[{index}].maximum: the criteria of group {group['code']!r} add up to "
                f"{number_out(reached)}, not {group['maximum']}"
            )

    cutoff = data["total"]["cutoff"]
    if cutoff is not None and not problems:
        low, high = definition_total_range(data)
        if not low <= _decimal(cutoff) <= high:
            problems.append(
                f"total.cutoff: {cutoff} is outside the possible totals "
                f"{number_out(low)} to {number_out(high)}"
            )
    return problems


def _scale_problems(item: dict[str, Any], where: str, method: str) -> list[str]:
    problems = []
    scale = item["scale"]
    numbers = [scale.get(key) for key in ("min", "max", "step", "points")] + [item["weight"]]
    numbers += [anchor["score"] for anchor in item["anchors"]]
    for value in numbers:
        if value is not None and _decimal(value) != _decimal(value).quantize(_PLACES):
            problems.append(f"{where}: {value} has more than three decimal places")
    if item["weight"] != 1 and method == TotalMethod.SUM:
        problems.append(
            f"{where}.weight: a weight of {item['weight']} has no effect when total.method is "
            "'sum'; use 'weighted_sum' or 'mean'"
        )
    if scale["kind"] == ScaleKind.BINARY:
        levels = {Decimal(0), Decimal(1)}
    else:
        low, high, step = (_decimal(scale[key]) for key in ("min", "max", "step"))
        if low >= high:
            problems.append(
                f"{where}.scale: min ({scale['min']}) must be below max ({scale['max']})"
            )
            return problems
        if (high - low) % step:
            problems.append(
                f"{where}.scale.step: {scale['step']} does not divide the range "
                f"{scale['min']} to {scale['max']}"
            )
            return problems
        levels = {low + step * n for n in range(int((high - low) / step) + 1)}
    scores = [_decimal(anchor["score"]) for anchor in item["anchors"]]
    for number, score in enumerate(scores):
        if score not in levels:
            problems.append(
                f"{where}.anchors[{number}].score: {number_out(score)} is not a level of the scale"
            )
    if len(set(scores)) != len(scores):
        problems.append(f"{where}.anchors: two anchors for the same score")
    elif scores != sorted(scores):
        problems.append(f"{where}.anchors: list anchors from the lowest score to the highest")
    return problems


def definition_total_range(data: Definition) -> tuple[Decimal, Decimal]:
    """The lowest and highest total a rubric can give when every criterion is scored."""
    method = data["total"]["method"]
    items = data["criteria"]
    ranges = [_criterion_range(item, method) for item in items]
    if method == TotalMethod.MEAN:
        weights = [_decimal(item["weight"]) for item in items]
        total_weight = sum(weights, Decimal(0))
        low = sum((r[0] * w for r, w in zip(ranges, weights, strict=True)), Decimal(0))
        high = sum((r[1] * w for r, w in zip(ranges, weights, strict=True)), Decimal(0))
        return low / total_weight, high / total_weight
    return sum((r[0] for r in ranges), Decimal(0)), sum((r[1] for r in ranges), Decimal(0))


def _schema_problem(error: jsonschema.ValidationError, data: Any) -> str:
    """A schema error as a line of the report; a non-integer scale names its criterion."""
    path = list(error.absolute_path)
    where = _path(path)
    is_scale_number = len(path) == 4 and path[0] == "criteria" and path[2] == "scale"
    if is_scale_number and path[3] in ("min", "max", "step") and error.validator == "type":
        item = data["criteria"][path[1]]
        code = item.get("code") if isinstance(item, dict) else None
        return (
            f"{where}: {error.instance!r} is not a whole number; criterion {code!r} needs an "
            "integer range (min, max and step are integers)"
        )
    return f"{where}: {error.message}"


def definition_check(data: Any, *, source: str) -> Definition:
    """The canonical definition of parsed file content; ``RubricFileError`` lists all problems."""
    validator = jsonschema.Draft202012Validator(RUBRIC_FILE_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda error: list(error.absolute_path))
    if errors:
        raise RubricFileError(source, [_schema_problem(error, data) for error in errors])
    definition = _canonical(data)
    problems = _semantic_problems(definition)
    if problems:
        raise RubricFileError(source, problems)
    return definition


def definition_parse(text: str | bytes, *, source: str) -> Definition:
    """Read and check the YAML (or JSON, which is YAML) text of a rubric file."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RubricFileError(source, [f"{where}not valid YAML ({problem})"]) from exc
    except UnicodeDecodeError as exc:
        raise RubricFileError(source, ["the file is not UTF-8 text"]) from exc
    if not isinstance(data, dict):
        raise RubricFileError(source, ["(top level): a rubric file is a mapping of keys"])
    return definition_check(data, source=source)


def definition_dump(definition: Definition) -> str:
    """The canonical text of a definition: the same definition always gives the same bytes."""
    return yaml.safe_dump(
        definition, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def rubric_definition(*, rubric: Rubric) -> Definition:
    """The canonical definition of a stored rubric version (what an export writes)."""
    groups = list(rubric.groups.all())
    codes = {group.pk: group.code for group in groups}
    criteria = []
    for item in rubric.criteria.all():
        if item.is_binary:
            scale: dict[str, Any] = {"kind": "binary", "points": number_out(item.points)}
        else:
            scale = {
                "kind": "range",
                "min": number_out(item.scale_min),
                "max": number_out(item.scale_max),
                "step": number_out(item.scale_step),
            }
        criteria.append(
            {
                "code": item.code,
                "group": codes.get(item.group_id) if item.group_id else None,
                "title": _texts(item.title),
                "description": _texts(item.description),
                "scale": scale,
                "weight": number_out(item.weight),
                "not_applicable": item.allow_na,
                "rationale_required": item.rationale_required,
                "measurement": item.measurement,
                "anchors": [
                    {"score": number_out(anchor["score"]), "text": _texts(anchor["text"])}
                    for anchor in item.anchors
                ],
            }
        )
    return {
        "format": FORMAT_VERSION,
        "slug": rubric.slug,
        "version": rubric.version,
        "scope": rubric.scope,
        "languages": [code for code in LANGUAGE_CODES if code in rubric.languages],
        "name": _texts(rubric.name),
        "description": _texts(rubric.description),
        "source": rubric.source,
        "total": {
            "method": rubric.total_method,
            "cutoff": None if rubric.cutoff is None else number_out(rubric.cutoff),
        },
        "groups": [
            {
                "code": group.code,
                "title": _texts(group.title),
                "maximum": None if group.maximum is None else number_out(group.maximum),
            }
            for group in groups
        ],
        "criteria": criteria,
    }
