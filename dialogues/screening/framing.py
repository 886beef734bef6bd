"""How crisis words are framed: a plain statement, a question, or negated.

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
_CLAUSE_END = re.compile(r"[,;，；]")
_QUESTION_MARKS = ("?", "？")
_EN_INTERROGATIVE = re.compile(
    r"\s*(?:have|has|had|do|does|did|are|is|was|were|will|would|could|can|should|how|what|"
    r"when|why|where|who|any)\b",
    re.IGNORECASE,
)


def _words(text: str) -> list[str]:
    return text.split()


# A negation and at most three of these words between it and the crisis words: "never really
# thought about", "not going to", "denies current". Anything else ("can't stop thinking about")
# keeps it a statement.
_EN_BETWEEN = _words(
    "ever really actually even want wanted to try tried going gonna plan planning planned would "
    "will could thought thoughts think thinking about of and i do did be been have had intend "
    "intending any seriously consider considered considering current recent active or "
    "contemplated attempted attempt"
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


def _last_end(pattern: re.Pattern[str], text: str, start: int, stop: int) -> int:
    """Where the last match of ``pattern`` in ``text[start:stop]`` ends, else ``start``."""
    position = start
    for match in pattern.finditer(text, start, stop):
        position = match.end()
    return position


def hit_framing(*, text: str, start: int, end: int) -> str:
    """The framing of ``text[start:end]`` within its clause and sentence.

    A question mark covers the clause it closes, or the whole sentence when the sentence opens
    like a question ("Have you thought about suicide, or about hurting yourself?"); in "我甚至
    有过自杀的念头，心情很糟，我该怎么办？" the crisis words are a statement.
    """
    sentence_start = _last_end(_SENTENCE_END, text, 0, start)
    after = _SENTENCE_END.search(text, end)
    sentence_end = after.start() if after else len(text)
    clause_start = _last_end(_CLAUSE_END, text, sentence_start, start)
    clause_stop = _CLAUSE_END.search(text, end, sentence_end)
    clause_end = clause_stop.start() if clause_stop else sentence_end
    asks = after is not None and after.group() in _QUESTION_MARKS
    if asks and (clause_stop is None or _EN_INTERROGATIVE.match(text, sentence_start)):
        return QUESTION
    if _ZH_QUESTION_WORDS.search(text[clause_start:clause_end].rstrip()):
        return QUESTION
    lead = text[clause_start:start]
    if _EN_NEGATED.search(lead) or _ZH_NEGATED.search(lead.rstrip()):
        return NEGATED
    return STATEMENT
