import json

import numpy
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from exports.items import ExportKind, SftMode, item_examples
from exports.writers import WRITERS, writer_class
from exports.writers import parquet as parquet_module
from exports.writers.base import PROVENANCE_COLUMNS, EncodedExample, example_encode
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


def test_a_row_group_that_fails_in_the_writing_thread_fails_the_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_module, "ROW_GROUP_ROWS", 2)
    writer = writer_class("parquet")(folder=tmp_path, kind=ExportKind.SFT)
    good = example_encode(_examples(1)[0])
    # A provenance row with a column the schema does not know fails to parse.
    bad = EncodedExample(good.data, good.provenance.replace(b'{"id":', b'{"extra":1,"id":', 1))

    def route():
        # As the export does: the writer is closed whatever happens while rows are routed.
        try:
            for example in [good, good, bad, bad] + [good] * 8:
                writer.write(split="train", example=example)
        finally:
            writer.close()

    with pytest.raises(pa.ArrowInvalid, match="unexpected field"):
        route()


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


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_scores_that_are_not_numbers_are_refused_with_the_example_id(value):
    [example] = _examples(1)
    example.provenance["scores"] = [{"name": "empathy", "value": value}]

    with pytest.raises(ValueError, match=example.provenance["id"]):
        example_encode(example)


def _standard_line(row):
    return (
        json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    ).encode()


AWKWARD_TEXTS = [
    "我最近总是睡不着，担心工作。",
    'quotes " and backslashes \\ and a slash /',
    "controls \x00 \x01 \x1f \b \f \n \r \t and DEL \x7f",
    "line and paragraph separators \u2028 \u2029, a BOM \ufeff",
    "outside the BMP: \U0001f600 \U00020000",
]
AWKWARD_NUMBERS = [0.0, -0.0, 1.0, 3.5, 1 / 3, 1e-4, 9.999e-5, 1e-5, 5e-324, 1e16, 1.5e22, -2.25]


def test_lines_are_the_standard_encoders_bytes_for_awkward_text_and_numbers():
    [example] = _examples(1)
    for text in AWKWARD_TEXTS:
        example.data["messages"][0]["content"] = text
        assert example_encode(example).data == _standard_line(example.data)
    for value in AWKWARD_NUMBERS:
        example.provenance["scores"] = [{"name": "empathy", "value": value}]
        example.provenance["agreement"] = value
        assert example_encode(example).provenance == _standard_line(example.provenance)


def test_a_tiny_score_keeps_its_exponent_and_a_lone_surrogate_is_refused():
    [example] = _examples(1)
    example.provenance["agreement"] = 1e-5

    assert b'"agreement":1e-05,' in example_encode(example).provenance

    example.provenance["agreement"] = numpy.float64(0.25)
    assert b'"agreement":0.25,' in example_encode(example).provenance

    example.data["messages"][0]["content"] = "half of a pair \ud83d"
    with pytest.raises(ValueError, match=example.provenance["id"]):
        example_encode(example)


def test_unknown_format_is_refused_with_the_known_ones():
    assert set(WRITERS) == {"jsonl", "parquet"}
    with pytest.raises(ValueError, match=r"unknown export format 'csv' \(known: jsonl, parquet\)"):
        writer_class("csv")
