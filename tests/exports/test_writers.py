import json

import pyarrow.parquet as pq
import pytest

from exports.items import ExportKind, SftMode, item_examples
from exports.writers import WRITERS, writer_class
from exports.writers import parquet as parquet_module
from exports.writers.base import PROVENANCE_COLUMNS, example_encode
from tests.exports.factories import SftSessionFactory


def _examples(count):
    sessions = SftSessionFactory.build_batch(count, language="zh")
    return [
        e
        for s in sessions
        for e in item_examples(item=s, kind=ExportKind.SFT, sft_mode=SftMode.TURN)
    ]


def _write(folder, name, examples):
    writer = writer_class(name)(folder=folder, kind=ExportKind.SFT)
    for number, example in enumerate(examples):
        writer.write(split="train" if number % 5 else "test", example=example_encode(example))
    return writer.close()


def test_parquet_written_twice_is_byte_identical_across_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_module, "ROW_GROUP_ROWS", 7)
    examples = _examples(40)

    _write(tmp_path / "a", "parquet", examples)
    _write(tmp_path / "b", "parquet", examples)

    for path in ("data/train.parquet", "provenance/train.parquet", "data/test.parquet"):
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()
    data = pq.ParquetFile(tmp_path / "a/data/train.parquet")
    assert data.metadata.num_row_groups > 1
    assert data.metadata.num_rows == len(examples) - len(examples[::5])
    assert pq.read_table(tmp_path / "a/provenance/train.parquet").column_names == list(
        PROVENANCE_COLUMNS
    )


def test_parquet_and_jsonl_hold_the_same_rows(tmp_path):
    examples = _examples(6)

    _write(tmp_path, "parquet", examples)
    _write(tmp_path, "jsonl", examples)

    table = pq.read_table(tmp_path / "data/train.parquet").to_pylist()
    lines = (tmp_path / "data/train.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(table)
    assert [json.loads(line) for line in lines] == table


def test_jsonl_keeps_chinese_readable_and_splits_without_rows_have_no_file(tmp_path):
    examples = _examples(1)[:1]

    files = _write(tmp_path, "jsonl", examples)

    assert {(f.split, f.role) for f in files} == {("test", "data"), ("test", "provenance")}
    text = (tmp_path / "data/test.jsonl").read_text("utf-8")
    assert "\\u" not in text
    assert examples[0].data["messages"][1]["content"] in text
    assert not (tmp_path / "data/train.jsonl").exists()


def test_scores_that_are_not_numbers_are_refused_with_the_example_id():
    [example] = _examples(1)
    example.provenance["scores"] = [{"name": "empathy", "value": float("nan")}]

    with pytest.raises(ValueError, match=example.provenance["id"]):
        example_encode(example)


def test_unknown_format_is_refused_with_the_known_ones():
    assert set(WRITERS) == {"jsonl", "parquet"}
    with pytest.raises(ValueError, match=r"unknown export format 'csv' \(known: jsonl, parquet\)"):
        writer_class("csv")
