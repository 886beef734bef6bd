"""What an import stores does not move when the import is made faster.

A generated batch (English and Chinese sessions, crisis language and personal data in both
languages and mixed, duplicates within a file, across files and against an earlier batch) is
imported, and its sessions, turns, flags and duplicate report are compared with the set this
file spells out. Written against the import before its speed work, and passing there.
"""

from __future__ import annotations

from typing import Any

import pytest

from dialogues.models import Flag, ImportBatch, Session, Turn
from dialogues.normalize import text_normalize
from tests.dialogues.importing import conversation, jsonl, run_import
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

ENGLISH = (
    "I have been feeling low since I lost my job.",
    "What has a usual day looked like for you since then?",
    "Mostly I stay in bed and scroll on my phone.",
    "That sounds heavy. What do you notice when you scroll?",
)
CHINESE = (
    "我最近工作压力很大，晚上睡不着觉。",
    "听起来你已经很久没有好好休息了。",
    "是的，我总是很焦虑，担心自己做不好。",
    "这种焦虑出现的时候，你通常会怎么做？",
)
# (turn position, text) put into chosen sessions; each must be found by screening.
RISKS = {
    "en-crisis": (0, "Some nights I want to kill myself."),
    "zh-crisis": (0, "我不想活了。"),
    "mixed-crisis": (0, "Honestly 我不想活了, I am so tired of all of it."),
    "en-email": (2, "You can write to me at sam.jones@example.com any time."),
    "zh-phone": (2, "我的电话是13812345678，有事可以打给我。"),
}


def _session(number: int) -> dict[str, Any]:
    language = "zh" if number % 3 == 2 else "en"
    lines = list(CHINESE if language == "zh" else ENGLISH)
    # Each session differs from the others by its first client line.
    lines[0] = f"{lines[0]} ({number})"
    name = f"{language}-{number}"
    for risk, (position, text) in RISKS.items():
        if number == list(RISKS).index(risk) * 5 + 1:
            lines[position] = f"{lines[position]} {text}"
            name = f"{name}-{risk}"
    turns = [("client" if i % 2 == 0 else "counselor", line) for i, line in enumerate(lines)]
    return conversation(*turns, id=name)


def _snapshot() -> dict[str, Any]:
    sessions = {s.pk: s for s in Session.objects.order_by("pk").only("pk", "source_id", "language")}
    turns: dict[str, list[tuple[int, str, str]]] = {}
    for turn in Turn.objects.order_by("session_id", "index"):
        turns.setdefault(sessions[turn.session_id].source_id, []).append(
            (turn.index, turn.speaker, turn.text)
        )
    flags = sorted(
        (
            sessions[flag.session_id].source_id,
            flag.turn.index if flag.turn else None,
            flag.speaker,
            flag.kind,
            flag.category,
            flag.matched_text,
            flag.status,
        )
        for flag in Flag.objects.select_related("turn")
    )
    return {
        "sessions": sorted((s.source_id, s.language) for s in sessions.values()),
        "turns": turns,
        "flags": flags,
    }


def _duplicates(batch: ImportBatch) -> list[tuple[str, int, str | None, str | None]]:
    names = dict(Session.objects.values_list("pk", "source_id"))
    return sorted(
        (entry["file"], entry["record"], names.get(entry["session_id"]), entry["same_as"])
        for entry in batch.duplicate_report
    )


def test_a_generated_batch_stores_the_expected_sessions_turns_flags_and_duplicates() -> None:
    project = ProjectFactory()
    records = [_session(number) for number in range(30)]
    # The first batch: 20 sessions, with sessions 3 and 7 repeated later in the same file.
    first = run_import(project, [("first.jsonl", jsonl(*records[:20], records[3], records[7]))])
    # The second: the other 10 in two files, the second file repeating one of them and two of
    # the first batch's sessions.
    second = run_import(
        project,
        [
            ("a.jsonl", jsonl(*records[20:])),
            ("b.jsonl", jsonl(records[25], records[1], records[16])),
        ],
    )

    assert (first.status, first.sessions_created, first.duplicates) == ("imported", 20, 2)
    assert (second.status, second.sessions_created, second.duplicates) == ("imported", 10, 3)
    # Repeats within the batch name the record they repeat (records count from 1).
    assert _duplicates(first) == [
        ("first.jsonl", 21, None, "first.jsonl#4"),
        ("first.jsonl", 22, None, "first.jsonl#8"),
    ]
    snapshot = _snapshot()
    expected_names = sorted(
        (str(record["id"]), "zh" if record["id"].startswith("zh") else "en") for record in records
    )
    assert snapshot["sessions"] == expected_names
    assert snapshot["turns"] == {
        str(record["id"]): [
            (index, "client" if m["role"] == "user" else "counselor", m["content"])
            for index, m in enumerate(record["messages"])
        ]
        for record in records
    }
    assert snapshot["flags"] == EXPECTED_FLAGS
    # Repeats of stored sessions name the session they repeat.
    assert _duplicates(second) == [
        ("b.jsonl", 1, None, "a.jsonl#6"),
        ("b.jsonl", 2, "en-1-en-crisis", None),
        ("b.jsonl", 3, "en-16-en-email", None),
    ]


# (session, turn index, speaker, kind, category, matched text, status): every risk planted, in
# English, in Chinese inside an English session, and mixed, each found once.
EXPECTED_FLAGS = [
    ("en-1-en-crisis", 0, "client", "crisis", "suicidal", "kill myself", "open"),
    ("en-16-en-email", 2, "client", "pii", "email", "sam.jones@example.com", "open"),
    ("en-21-zh-phone", 2, "client", "pii", "phone", "13812345678", "open"),
    ("en-6-zh-crisis", 0, "client", "crisis", "suicidal", "不想活", "open"),
    ("zh-11-mixed-crisis", 0, "client", "crisis", "suicidal", "不想活", "open"),
]


def test_turn_text_with_what_copy_escapes_is_stored_as_read() -> None:
    texts = (
        "A backslash \\ and \\N, a tab\there and \\t written out.",
        "Two lines,\nthe second after a break, and a carriage return\r inside.",
        "C:\\Users\\client\\notes.txt and a trailing backslash \\",
    )
    record = conversation(
        ("client", texts[0]), ("counselor", texts[1]), ("client", texts[2]), id="escapes"
    )
    run_import(ProjectFactory(), [("escapes.jsonl", jsonl(record))])
    stored = list(Turn.objects.order_by("index").values_list("text", flat=True))
    assert stored == [text_normalize(text) for text in texts]
    assert "\\N" in stored[0]
    assert stored[2].endswith("\\")
