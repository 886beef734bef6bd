"""Detection from content: every format is recognised, and an unknown file says what was seen."""

from __future__ import annotations

import shutil

import pytest

from dialogues.importers import UnknownFormat, format_detect, importer_formats
from tests.dialogues.test_importers import FIXTURES

EXPECTED = {
    "cactus.json": "cactus",
    "cactus_eval.json": "cactus_eval",
    "cactus_session.json": "cactus_session",
    "psychocounsel.jsonl": "psychocounsel",
    "cbt_qa.jsonl": "cbt_qa",
    "instruction.json": "instruction",
    "cpsycound_case_1.txt": "cpsycound",
    "cpsycound_case_2.txt": "cpsycound",
    "cpsycoune/婚恋/1.json": "cpsycoune",
    "smilechat/12.json": "smilechat",
    "esconv.json": "esconv",
    "failed_esconv.json": "esconv",
    "counselchat.csv": "counselchat",
    "psyqa.json": "psyqa",
    "messages.json": "messages",
    "messages.jsonl": "messages",
}


@pytest.mark.parametrize(("name", "format_name"), sorted(EXPECTED.items()))
def test_every_fixture_is_recognised(name, format_name):
    assert format_detect(path=FIXTURES / name, display_name=name) == format_name


def test_every_registered_format_has_a_fixture():
    assert {cls.format for cls in importer_formats()} == set(EXPECTED.values())


def test_parquet_is_recognised_by_its_columns(tmp_path):
    import pyarrow as pa
    import pyarrow.json as pa_json
    import pyarrow.parquet as pq

    pairs = tmp_path / "pairs.parquet"
    pq.write_table(pa_json.read_json(FIXTURES / "psychocounsel.jsonl"), pairs)
    other = tmp_path / "other.parquet"
    pq.write_table(pa.table({"text": ["hello"]}), other)

    assert format_detect(path=pairs) == "psychocounsel"
    with pytest.raises(UnknownFormat, match="could not recognise the format"):
        format_detect(path=other)


def test_the_extension_must_fit_the_format(tmp_path):
    path = tmp_path / "cactus.csv"
    shutil.copy(FIXTURES / "cactus.json", path)

    with pytest.raises(UnknownFormat):
        format_detect(path=path)


def test_an_unrecognised_file_names_the_formats_and_what_was_seen(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('[{"speaker": "A", "utterance": "hello"}]', encoding="utf-8")

    with pytest.raises(UnknownFormat) as raised:
        format_detect(path=path, display_name="upload/notes.json")

    message = str(raised.value)
    assert message.startswith("upload/notes.json: could not recognise the format; expected one of ")
    for format_name in set(EXPECTED.values()):
        assert format_name in message
    assert """the file starts with: '[{"speaker": "A", "utterance": "hello"}]'""" in message


def test_cactus_is_recognised_when_its_dialogue_comes_after_a_long_intake_form(tmp_path):
    import json

    row = json.loads((FIXTURES / "cactus.json").read_text(encoding="utf-8"))[0]
    row["intake_form"] = "Presenting problem: worries about work. " * 300
    path = tmp_path / "cactus.json"
    path.write_text(json.dumps([row], indent=2), encoding="utf-8")
    assert path.read_text(encoding="utf-8").index('"dialogue"') > 10_000

    assert format_detect(path=path) == "cactus"


@pytest.mark.parametrize(
    "content", [b"", b"\x00\xff\xfe PAR1 garbage", b"[[[[{{{", "来访者".encode()]
)
def test_no_format_claims_or_crashes_on_garbage(tmp_path, content):
    path = tmp_path / "garbage.json"
    path.write_bytes(content)
    head = content.decode("utf-8", errors="replace")

    claimed = [cls.format for cls in importer_formats() if cls.sniff(path=path, head=head)]

    assert claimed == []
