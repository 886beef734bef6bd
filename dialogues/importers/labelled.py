"""Dialogues written as one string of ``Speaker: text`` lines (Cactus and CounselingEval).

A label may carry a stage direction in brackets (``Client (pauses):``); it stays at the start
of the turn's text so nothing the generator wrote is lost. A line without a label continues
the previous turn. A known label in Markdown bold (``**Client:**``) is a label
too, wherever it starts a line. A line that looks like a label but names no known speaker is an
error:
silently folding ``Therapist:`` into the previous turn would put words in the wrong mouth.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from dialogues.importers.base import TurnRecord
from dialogues.importers.fields import Invalid, dialogue_empty

SPEAKER_BY_LABEL = {
    "counselor": "counselor",
    "counsellor": "counselor",
    "client": "client",
    # The Chinese CounselingEval records label the opening exchange in Chinese.
    "咨询师": "counselor",
    "心理咨询师": "counselor",
    "来访者": "client",
}

_KNOWN = "|".join(sorted(SPEAKER_BY_LABEL, key=len, reverse=True))
_QUALIFIER = r"[(（][^)）\n]{0,80}[)）]"
# A known label at the start of a line, an optional bracketed qualifier, a colon (ASCII or
# full-width). The label may be in Markdown bold (``**Client:**`` or ``**Client**:``): one
# CounselingEval record writes the client's reply that way inside the counselor's turn, and
# folding it in would put the client's words in the counselor's mouth. Splitting the whole
# dialogue on it at once is several times faster than matching line by line, which matters for
# 30,000-session files.
KNOWN_LABEL = re.compile(
    rf"^[ \t]*(?:\*\*)?({_KNOWN})[ \t]*({_QUALIFIER})?[ \t]*(?:\*\*)?[:：](?:\*\*)?[ \t]?",
    re.MULTILINE | re.IGNORECASE,
)
# Something that looks like a speaker label (one or two capitalised words, maybe a qualifier,
# a colon, maybe in bold) but is not a known one.
UNKNOWN_LABEL = re.compile(
    rf"^[ \t]*(?:\*\*)?(?!(?i:{_KNOWN})[ \t]*(?:{_QUALIFIER})?[ \t]*(?:\*\*)?[:：])"
    rf"([A-Z][A-Za-z]{{1,20}}(?: [A-Z][A-Za-z]{{1,20}})?)[ \t]*(?:{_QUALIFIER})?[ \t]*"
    r"(?:\*\*)?[:：]",
    re.MULTILINE,
)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# The labels generated dialogues write, exactly so, at the start of every line.
_PLAIN_LABELS = (("Counselor: ", "counselor"), ("Client: ", "client"))


def _plain_turns(dialogue: str) -> list[TurnRecord] | None:
    """The turns of a dialogue whose every line starts with a plain label (``Client: ``),
    as the regular expressions below read it; None for any other dialogue.

    Such a dialogue has no unknown label (every line starts with a known one) and no
    continued line, so each line is a turn; reading it by lines is several times faster.
    """
    turns = []
    for line in dialogue.split("\n"):
        for label, speaker in _PLAIN_LABELS:
            if line.startswith(label):
                text = line[len(label) :].strip()
                if text:
                    turns.append(TurnRecord(speaker, text))
                break
        else:
            return None
    return turns or None


def labelled_turns(dialogue: str, *, field: str) -> list[TurnRecord]:
    plain = _plain_turns(dialogue)
    if plain is not None:
        return plain
    return _labelled_turns_matched(dialogue, field=field)


def _labelled_turns_matched(dialogue: str, *, field: str) -> list[TurnRecord]:
    unknown = UNKNOWN_LABEL.search(dialogue)
    if unknown:
        raise Invalid(
            field,
            _(
                "line %(line)d of the dialogue: unknown speaker label %(label)r "
                "(expected Counselor or Client)"
            )
            % {"line": _line_of(dialogue, unknown.start(1)), "label": unknown[1]},
        )
    parts = KNOWN_LABEL.split(dialogue)
    if parts[0].strip():
        offset = len(parts[0]) - len(parts[0].lstrip())
        raise Invalid(
            field,
            _("line %(line)d of the dialogue has no speaker label (Counselor: or Client:)")
            % {"line": _line_of(dialogue, offset)},
        )
    turns = []
    for index in range(1, len(parts), 3):
        label, qualifier, text = parts[index], parts[index + 1], parts[index + 2].strip()
        if "\n" in text:
            # Unlabelled lines continue the turn before them.
            text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
        if qualifier:
            text = f"{qualifier} {text}".strip()
        if text:
            turns.append(TurnRecord(SPEAKER_BY_LABEL[label.lower()], text))
    if not turns:
        raise Invalid(field, dialogue_empty())
    return turns
