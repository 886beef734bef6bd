"""The scanner: one Aho-Corasick pass for anchors, then only the rules whose anchors were seen."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import ahocorasick_rs

from dialogues.screening.checks import CHECKS
from dialogues.screening.framing import STATEMENT, hit_framing
from dialogues.screening.rules import CRISIS, NUMBERS, RULES, Rule

# Names the rule set and its version; stored on every flag so a later rescan can tell its hits
# from older ones. Change it whenever a rule changes what it matches.
DETECTOR = "rapport-rules-2"


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str  # "crisis" or "pii"
    category: str
    start: int
    end: int
    matched_text: str
    detector: str
    # Crisis hits only: "statement", "question" (a safety question) or "negated".
    framing: str = STATEMENT


# Case-sensitive and starting with a digit, so the regular expression engine skips ahead to
# the next digit: far cheaper than a scan with every number rule.
_NUMBER_GATE = re.compile(r"[0-9](?:[0-9][0-9][0-9]|[a-zA-Z]?\s+[A-Z])")


class _Family:
    """Rules that share their anchors, compiled into one alternation of named groups."""

    def __init__(self, rules: list[tuple[int, Rule]]) -> None:
        self.rules = {f"r{number}": rule for number, rule in rules}
        self.values = {f"r{number}": f"v{number}" for number, rule in rules if rule.value}
        self.pattern = re.compile(
            "|".join(
                f"(?P<r{number}>"
                + rule.pattern.replace(f"(?P<{rule.value}>", f"(?P<v{number}>")
                + ")"
                for number, rule in rules
            ),
            re.IGNORECASE,
        )

    def scan(self, text: str, hits: list[Hit]) -> None:
        for match in self.pattern.finditer(text):
            name = match.lastgroup or ""
            rule = self.rules[name]
            value = self.values.get(name)
            start, end = match.span(value) if value else match.span()
            if rule.check is not None:
                narrowed = CHECKS[rule.check](text[start:end])
                if narrowed is None:
                    continue
                start, end = start + narrowed[0], start + narrowed[1]
            framing = (
                hit_framing(text=text, start=start, end=end) if rule.kind == CRISIS else STATEMENT
            )
            hits.append(
                Hit(rule.kind, rule.category, start, end, text[start:end], DETECTOR, framing)
            )


class _Scanner:
    def __init__(self, rules: list[Rule]) -> None:
        grouped: dict[tuple[str, ...], list[tuple[int, Rule]]] = {}
        for number, rule in enumerate(rules):
            grouped.setdefault(rule.anchors, []).append((number, rule))
        self.number_family = _Family(grouped.pop(NUMBERS, []))
        self.families = [_Family(members) for members in grouped.values()]
        by_anchor: dict[str, set[int]] = {}
        for family_number, anchors in enumerate(grouped):
            for anchor in anchors:
                by_anchor.setdefault(anchor, set()).add(family_number)
        self.anchor_families = [frozenset(numbers) for numbers in by_anchor.values()]
        self.automaton = ahocorasick_rs.AhoCorasick(
            list(by_anchor), implementation=ahocorasick_rs.Implementation.DFA
        )

    def scan(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        # Lower-casing may change the length of a few scripts, so anchors only choose the
        # families to run; every offset comes from ``text`` itself.
        found = self.automaton.find_matches_as_indexes(text.lower(), overlapping=True)
        if found:
            anchor_families = self.anchor_families
            numbers: set[int] = set()
            for anchor, _, _ in found:
                numbers |= anchor_families[anchor]
            for number in sorted(numbers):
                self.families[number].scan(text, hits)
        if _NUMBER_GATE.search(text):
            self.number_family.scan(text, hits)
        return _without_overlaps(hits) if len(hits) > 1 else hits


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Drop a hit lying inside a longer one of the same kind ("raped" inside "was raped"),
    and return the rest in order of position."""
    # Sorted by start, longest first: a hit lies inside an earlier one of its kind exactly when
    # it ends no later than the furthest end of that kind so far.
    hits.sort(key=lambda hit: (hit.start, hit.start - hit.end, hit.category))
    kept: list[Hit] = []
    furthest: dict[str, int] = {}
    for hit in hits:
        if hit.end <= furthest.get(hit.kind, -1):
            continue
        kept.append(hit)
        furthest[hit.kind] = hit.end
    return kept


@cache
def _scanner() -> _Scanner:
    return _Scanner(list(RULES))


def screen_text(text: str) -> list[Hit]:
    """Crisis language and personal data in ``text``, in order of position.

    A session's language is a guess from its text as a whole, and a crisis sentence in the
    other language is exactly what such a guess misses, so every turn is screened by the rules
    of every script, whatever its session was detected as. That costs nothing extra: a rule
    runs only when one of its anchors is in the turn, and the anchors of the Chinese rules are
    Han characters, those of the English rules Latin letters (a test holds them to it), so a
    Han character is what brings in the Chinese rules and a Latin letter the English ones.
    One scanner of every rule measured as fast as choosing one per script present.
    """
    if not text:
        return []
    return _scanner().scan(text)


# Joins the texts of one session for the pass that looks for anything to screen: no anchor and
# no number gate can match across it (it is neither a letter, a digit nor a space).
_TEXT_SEPARATOR = "\x00"


def screen_texts(texts: Sequence[str]) -> list[list[Hit]]:
    """``screen_text`` of each of ``texts`` (a session's turns), the same hits, found sooner.

    Most sessions hold no anchor and no number at all: one pass over their texts joined shows
    it, for a fraction of the cost of a pass per text. A session that holds one is screened
    text by text, exactly as ``screen_text`` does.
    """
    if not texts:
        return []
    joined = _TEXT_SEPARATOR.join(texts)
    # Lower-casing is per character, but for Greek's final sigma, which looks at its
    # neighbours: other scripts are lower-cased text by text, as screen_text does.
    lowered = (
        joined.lower()
        if joined.isascii()
        else _TEXT_SEPARATOR.join([text.lower() for text in texts])
    )
    if _scanner().automaton.find_matches_as_indexes(lowered) or _NUMBER_GATE.search(joined):
        return [screen_text(text) for text in texts]
    return [[] for _text in texts]
