"""Streaming readers shared by the importers: JSON lists, JSONL, CSV, Parquet and text lines.

Every reader keeps memory bounded by the size of one record, whatever the size of the file:
a JSON list is parsed incrementally with ijson (its C backend), JSONL, CSV and text line by
line, Parquet by record batches. Bytes that are not UTF-8 and empty files are file-level
problems (:class:`FormatError`), named with the line where they occur.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

import ijson
from django.conf import settings
from django.utils.translation import gettext as _

from dialogues.importers.base import FormatError, Location
from dialogues.importers.fields import Invalid as Invalid

BOM = b"\xef\xbb\xbf"
CHUNK = 256 * 1024


# The file a streaming reader is reading now, so that the import can report how far it has got
# in bytes without each importer passing a counter along.
_streaming: ContextVar[IO[bytes] | None] = ContextVar("streaming", default=None)


def _stream_open(path: Path) -> IO[bytes]:
    handle = path.open("rb")
    _streaming.set(handle)
    return handle


def stream_position() -> int | None:
    """Bytes of the current file handed to a streaming reader so far; None when not known.

    Readers read ahead by a block, so this runs up to a block ahead of the records yielded.
    Parquet is read by pyarrow and reports nothing here.
    """
    handle = _streaming.get()
    if handle is None or handle.closed:
        return None
    try:
        return handle.tell()
    except (OSError, ValueError):
        return None


def stream_forget() -> None:
    _streaming.set(None)


def record_limit() -> int:
    """Bytes one record (a JSONL line, an item of a JSON list, a text file's line) may take.

    A reader never holds more of a record than this, so memory does not grow with the size of
    the largest record in a file (one 512 MB line took 5.5 GB to parse).
    """
    return int(settings.IMPORT_MAX_RECORD_BYTES)


def size_text(size: int) -> str:
    if size % (1024 * 1024) == 0:
        return _("%(size)d MB") % {"size": size // (1024 * 1024)}
    return _("%(size)d bytes") % {"size": size}


def record_too_large(*, limit: int, rest_read: bool) -> str:
    if rest_read:
        return _(
            "the record is larger than %(size)s (IMPORT_MAX_RECORD_BYTES) and was not read"
        ) % {"size": size_text(limit)}
    return _(
        "the record is larger than %(size)s (IMPORT_MAX_RECORD_BYTES) and was not read; "
        "the records after it were not read either"
    ) % {"size": size_text(limit)}


class _RecordTooLarge(Exception):
    """Raised inside ijson's reads when one item has taken more than the record limit."""


def bounded_lines(handle: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The raw lines of ``handle``; ``None`` for a line over ``limit`` bytes, of which no more
    than ``limit`` bytes are held at once (the rest is read past in blocks)."""
    while raw := handle.readline(limit + 1):
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := handle.readline(CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield raw


class JSONLineError:
    """A JSONL line that is not JSON: reported against its line, the rest of the file goes on."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return self.message


class _CheckedBytes:
    """A binary reader for ijson that drops a BOM; by lines, it checks UTF-8 and counts lines.

    The fast path hands ijson large blocks: its parser rejects bytes that are not UTF-8 on its
    own. Only after a parse error is the file read again line by line, to name the line and to
    tell bad bytes from bad JSON.
    """

    def __init__(
        self,
        handle: IO[bytes],
        display_name: str,
        *,
        by_line: bool = False,
        limit: int | None = None,
    ) -> None:
        self.handle = handle
        self.display_name = display_name
        self.by_line = by_line
        # Bytes handed to the parser since it last completed an item: ijson builds an item
        # whole, so this is what the item being built may cost. One block of slack, since a
        # block holds the end of one item and the start of the next.
        self.limit = None if limit is None else limit + CHUNK
        self.since_item = 0
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.lines_read = 0  # newlines handed to the parser so far
        self.current_line = 1  # the line the last block handed over starts on
        self.started = False

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) to tell bytes from text
            return b""
        # By lines, but never more than a block: a minified list is one very long line.
        data = self.handle.readline(CHUNK) if self.by_line else self.handle.read(size)
        if not self.started:
            self.started = True
            data = data.removeprefix(BOM)
        if not self.by_line:
            if self.limit is not None:
                self.since_item += len(data)
                if self.since_item > self.limit:
                    raise _RecordTooLarge
            return data
        try:
            self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            seen = error.object[: error.start]
            line = self.lines_read + 1 + seen.count(b"\n")
            bad = error.object[error.start : error.end]
            raise FormatError(not_utf8(self.display_name, line, bad)) from None
        if data:
            self.current_line = self.lines_read + 1
        self.lines_read += data.count(b"\n")
        return data


def not_utf8(display_name: str, line: int, seen: bytes) -> str:
    return _(
        "%(file)s: line %(line)d: bytes that are not UTF-8 (%(bytes)s); "
        "save the file as UTF-8 and import it again"
    ) % {"file": display_name, "line": line, "bytes": seen.hex(" ")}


def file_empty(display_name: str) -> str:
    return _("%(file)s: the file is empty") % {"file": display_name}


def _first_significant(handle: IO[bytes], display_name: str) -> bytes:
    """The first non-blank byte of the file (after a BOM), or FormatError for an empty file."""
    start = handle.read(CHUNK).removeprefix(BOM)
    while start and not start.strip():
        start = handle.read(CHUNK)
    if not start:
        raise FormatError(file_empty(display_name))
    return start.lstrip()[:1]


def _json_error_message(error: Exception) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else "parse error"
    if "premature EOF" in text:
        return _("the file ends in the middle of a record (is it truncated?)")
    return first.removeprefix("parse error: ")


def json_list_items(
    *, path: Path, display_name: str, prefix: str = "item"
) -> Iterator[tuple[Location, Any]]:
    """Items of the top-level JSON list of ``path``, streamed, each with its record number.

    A parse error ends the file with a ``(location, JSONLineError)`` pair naming the record and
    the line where the JSON breaks; the records before it were good and have been yielded.
    """
    number = 0
    limit = record_limit()
    try:
        with _stream_open(path) as handle:
            reader = _CheckedBytes(handle, display_name, limit=limit)
            for number, item in enumerate(
                ijson.items(reader, prefix, use_float=True, buf_size=CHUNK), start=1
            ):
                reader.since_item = 0
                yield Location(display_name, number), item
    except _RecordTooLarge:
        # ijson cannot skip the rest of an item, so the file ends here, said so.
        yield (
            Location(display_name, number + 1),
            JSONLineError(record_too_large(limit=limit, rest_read=False)),
        )
    except ijson.JSONError as error:
        line = _error_line(path=path, display_name=display_name, prefix=prefix)
        yield (
            Location(display_name, number + 1, line),
            JSONLineError(
                _("not valid JSON (%(error)s); the records after it were not read")
                % {"error": _json_error_message(error)}
            ),
        )


def _error_line(*, path: Path, display_name: str, prefix: str) -> int | None:
    """The line where the JSON of ``path`` breaks: parse again, feeding one line at a time.

    Only runs after an error, so the normal path keeps its large reads.
    """
    with path.open("rb") as handle:
        reader = _CheckedBytes(handle, display_name, by_line=True)
        try:
            for _item in ijson.items(reader, prefix, use_float=True, buf_size=CHUNK):
                pass
        except ijson.JSONError:
            # Fed a line at a time, the parser fails on the line it was given last (or, for a
            # file cut short, after the last one).
            return reader.current_line
    return None


def json_records(*, path: Path, display_name: str) -> Iterator[tuple[Location, Any]]:
    """The records of a JSON list, a JSONL file or a file holding one JSON object.

    For JSONL, a line that is not JSON becomes a ``(location, JSONLineError)`` pair so the
    caller reports it against that line and goes on with the rest.
    """
    with path.open("rb") as handle:
        first = _first_significant(handle, display_name)
    if first == b"[":
        empty = True
        for item in json_list_items(path=path, display_name=display_name):
            empty = False
            yield item
        if empty:
            raise FormatError(
                _("%(file)s: the JSON list holds no records") % {"file": display_name}
            )
        return
    if first != b"{":
        raise FormatError(
            _("%(file)s: expected a JSON list or JSON lines, but the file starts with %(start)r")
            % {"file": display_name, "start": first.decode("utf-8", "replace")}
        )
    if _first_line_is_json(path):
        yield from jsonl_records(path=path, display_name=display_name)
    else:
        # One pretty-printed object: a single record.
        yield from json_list_items(path=path, display_name=display_name, prefix="")


def _first_line_is_json(path: Path) -> bool:
    with path.open("rb") as handle:
        for raw in bounded_lines(handle, record_limit()):
            if raw is None:
                # One line too long to read: a JSONL record, reported as too large.
                return True
            line = raw.removeprefix(BOM).strip()
            if not line:
                continue
            try:
                json.loads(line)
            except ValueError:
                return False
            return True
    return False


def text_lines(*, path: Path, display_name: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a UTF-8 text file without line endings (LF, CRLF or CR).

    A line over the record limit ends the file with a FormatError naming it.
    """
    limit = record_limit()
    for number, line in _lines(path=path, display_name=display_name):
        if line is None:
            raise FormatError(
                _("%(file)s: line %(line)d is longer than %(size)s (IMPORT_MAX_RECORD_BYTES)")
                % {"file": display_name, "line": number, "size": size_text(limit)}
            )
        yield number, line


def _lines(*, path: Path, display_name: str) -> Iterator[tuple[int, str | None]]:
    """The lines of ``text_lines``, with ``None`` for a line over the record limit."""
    any_text = False
    with _stream_open(path) as handle:
        for number, raw in enumerate(bounded_lines(handle, record_limit()), start=1):
            if raw is None:
                any_text = True
                yield number, None
                continue
            if number == 1:
                raw = raw.removeprefix(BOM)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise FormatError(
                    not_utf8(display_name, number, raw[error.start : error.end])
                ) from None
            # A lone CR inside a line (old Mac endings) splits it as well.
            for part in line.rstrip("\r\n").split("\r"):
                any_text = any_text or bool(part.strip())
                yield number, part
    if not any_text:
        raise FormatError(file_empty(display_name))


def jsonl_records(*, path: Path, display_name: str) -> Iterator[tuple[Location, Any]]:
    number = 0
    for line_number, line in _lines(path=path, display_name=display_name):
        if line is None:
            number += 1
            yield (
                Location(display_name, number, line_number),
                JSONLineError(record_too_large(limit=record_limit(), rest_read=True)),
            )
            continue
        if not line.strip():
            continue
        number += 1
        location = Location(display_name, number, line_number)
        try:
            yield location, json.loads(line)
        except json.JSONDecodeError as error:
            yield (
                location,
                JSONLineError(
                    _("not valid JSON (%(error)s at column %(column)d)")
                    % {"error": error.msg, "column": error.colno}
                ),
            )


def csv_rows(
    *, path: Path, display_name: str, required: tuple[str, ...]
) -> Iterator[tuple[Location, dict[str, str]]]:
    """Rows of a CSV file with a header, each with its record number and first line."""
    with path.open("rb") as raw:
        _first_significant(raw, display_name)
    with _stream_open(path) as handle:
        reader = csv.reader(_decoded_lines(handle, display_name))
        try:
            header = next(reader)
        except StopIteration:
            raise FormatError(file_empty(display_name)) from None
        except csv.Error as error:
            raise FormatError(_csv_problem(display_name, reader.line_num, error)) from None
        absent = [name for name in required if name not in header]
        if absent:
            raise FormatError(
                _(
                    "%(file)s: line 1: the CSV header lacks the column(s) %(missing)s; "
                    "it has %(has)s"
                )
                % {
                    "file": display_name,
                    "missing": ", ".join(absent),
                    "has": ", ".join(h or "-" for h in header),
                }
            )
        number = 0
        line = reader.line_num + 1
        try:
            for row in reader:
                if any(cell.strip() for cell in row):
                    number += 1
                    yield (
                        Location(display_name, number, line),
                        dict(zip(header, row, strict=False)),
                    )
                line = reader.line_num + 1
        except csv.Error as error:
            raise FormatError(_csv_problem(display_name, reader.line_num, error)) from None


def _csv_problem(display_name: str, line: int, error: csv.Error) -> str:
    return _("%(file)s: line %(line)d: not valid CSV (%(error)s)") % {
        "file": display_name,
        "line": line,
        "error": error,
    }


def _decoded_lines(handle: IO[bytes], display_name: str) -> Iterator[str]:
    for number, raw in enumerate(handle, start=1):
        if number == 1:
            raw = raw.removeprefix(BOM)
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FormatError(
                not_utf8(display_name, number, raw[error.start : error.end])
            ) from None


def parquet_rows(
    *, path: Path, display_name: str, required: tuple[str, ...], batch_size: int = 2048
) -> Iterator[tuple[Location, dict[str, Any]]]:
    """Rows of a Parquet file, read a record batch at a time, with their 1-based row number."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several types for a file that is not Parquet
        raise FormatError(
            _("%(file)s: not a readable Parquet file (%(error)s)")
            % {"file": display_name, "error": error}
        ) from None
    columns = parquet.schema_arrow.names
    absent = [name for name in required if name not in columns]
    if absent:
        raise FormatError(
            _("%(file)s: the Parquet file lacks the column(s) %(missing)s; it has %(has)s")
            % {"file": display_name, "missing": ", ".join(absent), "has": ", ".join(columns)}
        )
    if parquet.metadata.num_rows == 0:
        raise FormatError(_("%(file)s: the file is empty (no rows)") % {"file": display_name})
    number = 0
    for batch in parquet.iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            number += 1
            yield Location(display_name, number), row
