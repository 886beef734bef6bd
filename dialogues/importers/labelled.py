"""Dialogues written as one string of ``Speaker: text`` lines (Cactus and CounselingEval).

A label may carry a stage direction in brackets (``Client (pauses):``); it stays at the start
of the turn's text so nothing the generator wrote is lost. A line without a label continues
the previous turn. A line that looks like a label but names no known speaker is an error:
silently folding ``Therapist:`` into the previous turn would put words in the wrong mouth.
"""

from __future__ import annotations

import re

from dialogues.importers.base import TurnRecord
from dialogues.importers.reading import Invalid

SPEAKER_BY_LABEL = {
    "counselor": "counselor",
    "counsellor": "counselor",
    "client": "client",
    # The Chinese CounselingEval records label the opening exchange in Chinese.
    "咨询师": "counselor",
    "心理咨询师": "counselor",
    "来访者": "client",
}

# A capitalised word or two (or a short run of Chinese characters), an optional bracketed
# qualifier, then a colon (ASCII or full-width).
LABEL = re.compile(
    r"^\s*(?P<label>[A-Z][A-Za-z]{1,20}(?: [A-Z][A-Za-z]{1,20})?|[\u4e00-\u9fff]{2,6})"
    r"\s*(?P<qualifier>[(（][^)）]{0,80}[)）])?\s*[:：]\s?(?P<text>.*)$"
)


def labelled_turns(dialogue: str, *, field: str) -> list[TurnRecord]:
    speakers: list[str] = []
    texts: list[list[str]] = []
    for number, line in enumerate(dialogue.splitlines(), start=1):
        if not line.strip():
            continue
        match = LABEL.match(line)
        speaker = SPEAKER_BY_LABEL.get(match["label"].lower()) if match else None
        if match and speaker is None and match["label"][0].isupper():
            raise Invalid(
                field,
                f"line {number} of the dialogue: unknown speaker label {match['label']!r} "
                "(expected Counselor or Client)",
            )
        if match and speaker:
            text = match["text"].strip()
            if match["qualifier"]:
                text = f"{match['qualifier']} {text}".strip()
            speakers.append(speaker)
            texts.append([text])
        elif not speakers:
            raise Invalid(
                field, f"line {number} of the dialogue has no speaker label (Counselor: or Client:)"
            )
        else:
            texts[-1].append(line.strip())
    turns = []
    for speaker, parts in zip(speakers, texts, strict=True):
        text = "\n".join(part for part in parts if part)
        if text:
            turns.append(TurnRecord(speaker, text))
    if not turns:
        raise Invalid(field, "the dialogue is empty")
    return turns
