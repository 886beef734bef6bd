"""Offline screening of imported text for crisis language and personal data.

``screen_text(text, language=...)`` returns the hits in one turn or candidate response; see
docs/screening.md for what is detected and how flags are handled.
"""

from dialogues.screening.engine import DETECTOR, Hit, screen_text, screen_texts
from dialogues.screening.framing import NEGATED, QUESTION, STATEMENT, hit_framing
from dialogues.screening.rules import CRISIS, CRISIS_CATEGORIES, PII, PII_CATEGORIES

__all__ = [
    "CRISIS",
    "CRISIS_CATEGORIES",
    "DETECTOR",
    "NEGATED",
    "PII",
    "PII_CATEGORIES",
    "QUESTION",
    "STATEMENT",
    "Hit",
    "hit_framing",
    "screen_text",
    "screen_texts",
]
