"""Parquet: typed columns, written in row groups so memory stays bounded.

Byte-identical output for the same rows rests on pyarrow writing no timestamps or host names
(its ``created_by`` names only the library version, which the pinned dependency fixes) and on
every option that shapes the file being fixed here: compression, row group size, dictionary
encoding, statistics and the data page version.

Parsing a row group's lines and compressing it run in pyarrow's C++ without the GIL, so they
are handed to a thread of their own and overlap with the Python work of the export, which
routes the next rows meanwhile (about a tenth of a 100,000-session export's time). One thread
writes every file, in the order the row groups were closed, so the files are the same as
when written in turn.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from exports.background import InOrderThread
from exports.items import ExportKind
from exports.writers.base import DATA_COLUMNS, EncodedExample, ExportWriter, WrittenFile

ROW_GROUP_ROWS = 4096
# Row groups handed to the writing thread beyond the one it is writing: one keeps it busy (two
# measured no faster), and each is about 10 MB of SFT lines and as much again as a table.
QUEUED_GROUPS = 1

MESSAGES = pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))
PROVENANCE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("item_id", pa.string()),
        ("turn_index", pa.int32()),
        ("source", pa.string()),
        ("language", pa.string()),
        ("source_session_id", pa.string()),
        ("rubric_version", pa.string()),
        ("scores", pa.list_(pa.struct([("name", pa.string()), ("value", pa.float64())]))),
        ("agreement", pa.float64()),
        ("reviewers", pa.list_(pa.string())),
        ("group_id", pa.string()),
    ]
)


# With judge-accepted items: the same columns, ``label_source`` before the group.
LABELLED_PROVENANCE_SCHEMA = PROVENANCE_SCHEMA.insert(
    PROVENANCE_SCHEMA.get_field_index("group_id"), pa.field("label_source", pa.string())
)


def data_schema(kind: ExportKind) -> pa.Schema:
    return pa.schema([(column, MESSAGES) for column in DATA_COLUMNS[kind]])


def _table(lines: list[bytes], schema: pa.Schema) -> pa.Table:
    parsed = pa_json.read_json(
        io.BytesIO(b"".join(lines)),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=1 << 26),
        parse_options=pa_json.ParseOptions(
            explicit_schema=schema, unexpected_field_behavior="error"
        ),
    )
    # One chunk per column, so how the parser cut its blocks cannot shape the file.
    return parsed.combine_chunks()


class ParquetWriter(ExportWriter):
    name = "parquet"
    extension = "parquet"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        provenance = LABELLED_PROVENANCE_SCHEMA if self.label_source else PROVENANCE_SCHEMA
        self._schemas = {"data": data_schema(self.kind), "provenance": provenance}
        # Touched only by the writing thread until close() has waited for it.
        self._writers: dict[tuple[str, str], pq.ParquetWriter] = {}
        self._pending: dict[tuple[str, str], list[bytes]] = {}
        self._rows: dict[str, int] = {}
        self._thread: InOrderThread[None] = InOrderThread(
            name="export-parquet", queued=QUEUED_GROUPS
        )

    def write(self, *, split: str, example: EncodedExample) -> None:
        for role, row in (("data", example.data), ("provenance", example.provenance)):
            pending = self._pending.setdefault((role, split), [])
            pending.append(row)
            if len(pending) >= ROW_GROUP_ROWS:
                self._flush(role, split)
        self._rows[split] = self._rows.get(split, 0) + 1

    def _flush(self, role: str, split: str) -> None:
        key = (role, split)
        rows = self._pending.pop(key, None)
        if not rows:
            return
        # A failure in the writing thread surfaces here, at a later row group, or in close().
        self._thread.submit(self._write_group, key, rows)

    def _write_group(self, key: tuple[str, str], rows: list[bytes]) -> None:
        role, split = key
        schema = self._schemas[role]
        if key not in self._writers:
            self._writers[key] = pq.ParquetWriter(
                self.open_path(role=role, split=split),
                schema,
                compression="zstd",
                compression_level=3,
                use_dictionary=False,
                write_statistics=True,
                data_page_version="1.0",
                version="2.6",
            )
        table = _table(rows, schema)
        self._writers[key].write_table(table, row_group_size=ROW_GROUP_ROWS)

    def close(self) -> list[WrittenFile]:
        try:
            for role, split in list(self._pending):
                self._flush(role, split)
            self._thread.drain()
        except BaseException:
            self._abandon()
            raise
        for writer in self._writers.values():
            writer.close()
        written = self.written_files(self._writers, self._rows)
        self._writers = {}
        return written

    def _abandon(self) -> None:
        """After a failure: drop the queued groups, let the thread stop, close every file
        (the export folder is removed by the caller)."""
        self._thread.close()
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.close()
        self._writers = {}
