"""Dialogues of ``Speaker: text`` lines: the quick reading by lines and the full one agree."""

from __future__ import annotations

import pytest

from dialogues.importers import labelled
from dialogues.importers.reading import Invalid

PLAIN = [
    "Counselor: Hello.\nClient: Hi.",
    "Counselor:   Hello, with spaces.   \nClient: Client: a label inside the text.",
    "Counselor: Hello.\r\nClient: Windows line endings.\r",
    "Client: \nCounselor: An empty turn before this one.",
    "Client: **bold** words and a colon: here.\nCounselor: 我最近很焦虑：睡不着觉。",
    "Counselor: Therapist: is only text here.\nClient: OK\u2028still the same line.",
]
MATCHED_ONLY = [
    "Counselor: Hello.\nClient (pauses): I see.",
    "counselor: lower case.\nClient: Hi.",
    "Counselor: Hello.\nand a continued line.\nClient: Hi.",
    "Counselor: Hello.\n\nClient: a blank line.",
    "  Counselor: indented.\nClient: Hi.",
    "Counselor:no space.\nClient: Hi.",
    "**Counselor:** bold.\nClient: Hi.",
    "Counselor: Hello.\nTherapist: an unknown label.",
    "Client:\nCounselor:",
    "Counselor: Hello.\nClient: Hi.\n",
]


@pytest.mark.parametrize("dialogue", PLAIN)
def test_plain_lines_are_read_by_lines_as_the_full_reading_reads_them(dialogue: str) -> None:
    quick = labelled._plain_turns(dialogue)
    assert quick is not None
    assert quick == labelled._labelled_turns_matched(dialogue, field="dialogue")


def _outcome(dialogue: str) -> object:
    try:
        return labelled._labelled_turns_matched(dialogue, field="dialogue")
    except Invalid as problem:
        return (problem.field, problem.message)


@pytest.mark.parametrize("dialogue", MATCHED_ONLY)
def test_any_other_dialogue_is_left_to_the_full_reading(dialogue: str) -> None:
    assert labelled._plain_turns(dialogue) is None
    try:
        result: object = labelled.labelled_turns(dialogue, field="dialogue")
    except Invalid as problem:
        result = (problem.field, problem.message)
    assert result == _outcome(dialogue)
