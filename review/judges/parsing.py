"""Reading a judge's answer: find the JSON, check it against the rubric, or say why not.

The parser is tolerant of packaging and strict about content. It accepts the object wrapped in a
```json fence or surrounded by prose, because many endpoints without structured output answer
that way. It does not repair anything: single-quoted pseudo-JSON, trailing commas, two
different objects, a score of 7 on a 0-6 scale, 4.5, "4" or ``true`` are all reasons to mark
the answer unparsable. A score that had to be guessed at is worse than no score: the Cactus
scoring script turned unreadable answers into zeros, and those zeros went into its means.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from review.judges.inputs import JudgeRubric
from review.judges.prompts import PAIRWISE_CHOICES, PREFERENCE_CHOICES

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n(.*?)```", re.DOTALL)

# Openings a model uses to decline. Only consulted when the answer holds no JSON at all, so a
# rationale that says "I cannot see any agenda" never turns a scored answer into a refusal.
_REFUSAL = re.compile(
    r"^\W*(?:i'?m sorry|i am sorry|sorry,|i apologi[sz]e|i (?:can ?not|can't|won't|will not|"
    r"am unable to|am not able to|'m unable to|'m not able to)|as an ai|"
    r"抱歉|对不起|很抱歉|我无法|我不能|我没办法)",
    re.IGNORECASE,
)


class AnswerInvalid(Exception):
    """The answer cannot be used as it stands; the text says what is wrong with it."""


@dataclass(frozen=True)
class ScoreVerdict:
    scores: dict[str, int | None]
    rationales: dict[str, str]


@dataclass(frozen=True)
class PairwiseVerdict:
    choice: str
    rationale: str
    preferences: dict[str, str] = field(default_factory=dict)


def looks_like_refusal(text: str) -> bool:
    return bool(_REFUSAL.match(text.strip()))


def json_extract(text: str) -> dict[str, Any]:
    """The one JSON object in ``text``; raises :class:`AnswerInvalid` if there is none or several.

    Tried in turn: the whole text, fenced blocks, then objects embedded in prose. Within each
    stage, several *different* objects are ambiguous and rejected rather than picking one.
    """
    stripped = text.strip()
    if not stripped:
        raise AnswerInvalid("the answer is empty")
    try:
        whole = json.loads(stripped)
    except ValueError:
        pass
    else:
        if isinstance(whole, dict):
            return whole
        raise AnswerInvalid(f"the answer is JSON but a {type(whole).__name__}, not an object")

    fenced = [_object_or_none(block) for block in _FENCE.findall(stripped)]
    found = _single([obj for obj in fenced if obj is not None], "fenced blocks")
    if found is not None:
        return found
    found = _single(_embedded_objects(stripped), "the text")
    if found is not None:
        return found
    raise AnswerInvalid("no JSON object found in the answer")


def _object_or_none(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _embedded_objects(text: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    objects = []
    position = text.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            position = text.find("{", position + 1)
            continue
        if isinstance(value, dict):
            objects.append(value)
        # Skip past the object so its nested braces are not decoded again as separate objects.
        position = text.find("{", end)
    return objects


def _single(objects: list[dict[str, Any]], where: str) -> dict[str, Any] | None:
    if not objects:
        return None
    first = objects[0]
    if any(other != first for other in objects[1:]):
        raise AnswerInvalid(f"{where} hold {len(objects)} different JSON objects; which one?")
    return first


def score_verdict_read(*, data: dict[str, Any], rubric: JudgeRubric) -> ScoreVerdict:
    """Check every score against its criterion's scale; nothing is clamped, rounded or filled."""
    scores_raw = data.get("scores")
    if not isinstance(scores_raw, dict):
        raise AnswerInvalid('the answer has no "scores" object')
    expected = {criterion.code for criterion in rubric.criteria}
    unknown = sorted(set(scores_raw) - expected)
    if unknown:
        raise AnswerInvalid(f"scores for criteria not in the rubric: {', '.join(unknown)}")
    problems = []
    scores: dict[str, int | None] = {}
    for criterion in rubric.criteria:
        code = criterion.code
        if code not in scores_raw:
            problems.append(f"{code}: no score")
            continue
        value = scores_raw[code]
        if value is None:
            if not criterion.na_allowed:
                problems.append(f"{code}: null, but this criterion must be scored")
            scores[code] = None
        elif isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{code}: {json.dumps(value, ensure_ascii=False)} is not an integer")
        elif value not in criterion.allowed_scores():
            allowed = criterion.allowed_scores()
            problems.append(f"{code}: {value} is not on its scale ({allowed[0]}-{allowed[-1]})")
        else:
            scores[code] = value
    if problems:
        raise AnswerInvalid("invalid scores: " + "; ".join(problems))

    rationales_raw = data.get("rationales", {})
    if not isinstance(rationales_raw, dict):
        raise AnswerInvalid('"rationales" is not an object')
    rationales = {}
    for code, text in rationales_raw.items():
        # A rationale is commentary, so a missing one is tolerated; a non-text one is not.
        if code in expected:
            if not isinstance(text, str):
                raise AnswerInvalid(f"the rationale for {code} is not text")
            rationales[code] = text
    return ScoreVerdict(scores=scores, rationales=rationales)


def pairwise_verdict_read(*, data: dict[str, Any], rubric: JudgeRubric | None) -> PairwiseVerdict:
    choice = data.get("choice")
    if choice not in PAIRWISE_CHOICES:
        raise AnswerInvalid(
            f"choice {json.dumps(choice, ensure_ascii=False)} is not one of "
            + ", ".join(PAIRWISE_CHOICES)
        )
    rationale = data.get("rationale", "")
    if not isinstance(rationale, str):
        raise AnswerInvalid("the rationale is not text")
    preferences_raw = data.get("preferences") or {}
    if not isinstance(preferences_raw, dict):
        raise AnswerInvalid('"preferences" is not an object')
    known = {c.code for c in rubric.criteria} if rubric is not None else set()
    preferences = {}
    for code, preference in preferences_raw.items():
        if code not in known:
            raise AnswerInvalid(f"a preference for {code}, which is not a principle here")
        if preference not in PREFERENCE_CHOICES:
            raise AnswerInvalid(f"preference for {code} is {preference!r}, not A, B or tie")
        preferences[code] = preference
    return PairwiseVerdict(choice=str(choice), rationale=rationale, preferences=preferences)
