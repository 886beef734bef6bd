"""Limits on one record, one turn and one session: an oversized record is refused by itself,
and reading it costs no more memory than the limit."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from dialogues.importers.reading import json_records
from tests.dialogues.importing import conversation, jsonl, run_import
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

SMALL = conversation(("client", "I cannot sleep."), ("counselor", "What keeps you awake?"))
OTHER = conversation(("client", "Work is too much."), ("counselor", "Tell me about work."))


def _huge(size: int) -> dict:
    return conversation(("client", "a" * size), ("counselor", "I see."))


def _peak_while_reading(path: Path) -> tuple[list, int]:
    tracemalloc.start()
    try:
        items = [item for _location, item in json_records(path=path, display_name=path.name)]
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return items, peak


@pytest.mark.parametrize("layout", ["jsonl", "json list"])
def test_a_record_over_the_limit_is_not_read_into_memory(tmp_path, settings, layout) -> None:
    settings.IMPORT_MAX_RECORD_BYTES = 1024 * 1024
    path = tmp_path / "big.json"
    records = [SMALL, _huge(30 * 1024 * 1024), OTHER]
    if layout == "jsonl":
        path.write_bytes(jsonl(*records))
    else:
        path.write_text(json.dumps(records), encoding="utf-8")

    items, peak = _peak_while_reading(path)

    assert items[0] == SMALL
    assert "larger than 1 MB" in str(items[1])
    # Reading stops at the limit: a few blocks of 256 KB, never the 30 MB of the record.
    assert peak < 8 * 1024 * 1024, peak
    if layout == "jsonl":
        assert items[2] == OTHER


def test_an_oversized_jsonl_line_is_reported_against_its_line_and_the_rest_imported(
    settings,
) -> None:
    settings.IMPORT_MAX_RECORD_BYTES = 10_000
    batch = run_import(
        ProjectFactory(),
        [("chats.jsonl", jsonl(SMALL, _huge(50_000), OTHER))],
        skip_invalid=True,
    )
    assert batch.sessions_created == 2
    (error,) = batch.errors
    assert (error["file"], error["record"], error["line"]) == ("chats.jsonl", 2, 2)
    assert "IMPORT_MAX_RECORD_BYTES" in error["message"]


def test_a_turn_over_the_limit_is_a_record_error_naming_the_turn(settings) -> None:
    settings.IMPORT_MAX_TURN_CHARS = 1000
    batch = run_import(
        ProjectFactory(), [("chats.jsonl", jsonl(SMALL, _huge(1001)))], skip_invalid=True
    )
    assert batch.sessions_created == 1
    (error,) = batch.errors
    assert (error["record"], error["field"]) == (2, "turns[0].text")
    assert "1001 characters" in error["message"]
    assert "IMPORT_MAX_TURN_CHARS" in error["message"]


def test_a_session_with_more_turns_than_the_limit_is_a_record_error(settings) -> None:
    settings.IMPORT_MAX_TURNS = 3
    long = conversation(*[("client", f"turn {n}") for n in range(4)])
    batch = run_import(ProjectFactory(), [("chats.jsonl", jsonl(SMALL, long))], skip_invalid=True)
    assert batch.sessions_created == 1
    (error,) = batch.errors
    assert (error["record"], error["field"]) == (2, "turns")
    assert "4 turns" in error["message"]
