"""Fast row writing for imports: COPY on PostgreSQL, executemany elsewhere.

An import of tens of thousands of sessions writes millions of rows. The ORM's bulk_create is
several times slower than PostgreSQL's COPY. Rows are written without their ids, which the
database assigns as it would for any insert; the import reads back the few ids it needs by
natural keys (a session's content hash, a candidate's session and key).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

# What COPY's text format escapes in a value: the escape itself, and the row and column breaks.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: str) -> str:
    """A text value as COPY's text format writes it (``TableWriter.write_lines``)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


class TableWriter:
    """Writes rows of one model: its concrete fields but the auto id, in field order."""

    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns: list[str] = [str(field.column) for field in fields]
        self._json = [isinstance(field, models.JSONField) for field in fields]
        quote = connection.ops.quote_name
        self._column_sql = ", ".join(quote(column) for column in self.columns)
        self._table_sql = quote(model._meta.db_table)

    def row(self, **values: Any) -> tuple[Any, ...]:
        """A row from keyword values by column name; JSON columns are serialised here."""
        row = []
        for column, is_json in zip(self.columns, self._json, strict=True):
            value = values[column]
            if is_json:
                value = json.dumps(value, ensure_ascii=False)
            row.append(value)
        return tuple(row)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {self._table_sql} ({self._column_sql}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            placeholders = ", ".join(["%s"] * len(self.columns))
            # Table and column names come from the model's Meta, never from input.
            sql = f"INSERT INTO {self._table_sql} ({self._column_sql}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, rows)

    def write_lines(self, lines: Iterable[str]) -> None:
        """Rows already in COPY's text format, every column in order, each ending with a line
        break (PostgreSQL only; see ``copy_text``)."""
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {self._table_sql} ({self._column_sql}) FROM STDIN") as copy:
                for block in lines:
                    copy.write(block)
