"""How crisis words are framed in their sentence: a plain statement, a question, or negated.

A counselor asking "have you had thoughts of ending your life?" is doing a safety check, and a
client saying "I would never hurt myself" is denying intent; neither is a client in crisis.
Screening still reports both (see docs/screening.md for what happens to them) and says which.
"""

from __future__ import annotations

import re

STATEMENT = "statement"
QUESTION = "question"
NEGATED = "negated"

_SENTENCE_END = re.compile(r"[.!?。！？\n]")
_QUESTION_MARKS = ("?", "？")


def _words(text: str) -> list[str]:
    return text.split()


# A negation and at most three of these words between it and the crisis words: "never really
# thought about", "not going to", "denies current". Anything else ("can't stop thinking about")
# keeps it a statement.
_EN_BETWEEN = _words(
    "ever really actually even want wanted to try tried going gonna plan planning planned would "
    "will could thought thoughts think thinking about of and i do did be been have had intend "
    "intending any seriously consider considered considering current recent active"
)
_EN_NEGATED = re.compile(
    r"\b(?:never|not|no|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|isn'?t|wasn'?t|aren'?t|"
    r"haven'?t|hasn'?t|without|nor|den(?:y|ies|ied|ying))\s+(?:(?:"
    + "|".join(_EN_BETWEEN)
    + r")\s+){0,3}$",
    re.IGNORECASE,
)
_ZH_NEGATED = re.compile(
    r"(?:没有|没|不会|不要|不想|从不|从来没有|从来没|从未|并不|绝不|绝对不会|不曾|不)"
    r"(?:再)?(?:真的)?(?:想过|想|打算|考虑过|考虑|会|要|去|曾)?$"
)
_ZH_QUESTION_WORDS = re.compile(r"吗$|呢$|是否|有没有|会不会|是不是")


def hit_framing(*, text: str, start: int, end: int) -> str:
    """The framing of ``text[start:end]`` within its sentence."""
    before = text[:start]
    sentence_start = 0
    for sentence_start_match in _SENTENCE_END.finditer(before):
        sentence_start = sentence_start_match.end()
    after = _SENTENCE_END.search(text, end)
    sentence_end = after.start() if after else len(text)
    if after is not None and after.group() in _QUESTION_MARKS:
        return QUESTION
    sentence = text[sentence_start:sentence_end]
    if _ZH_QUESTION_WORDS.search(sentence.rstrip()):
        return QUESTION
    lead = text[sentence_start:start]
    if _EN_NEGATED.search(lead) or _ZH_NEGATED.search(lead.rstrip()):
        return NEGATED
    return STATEMENT
