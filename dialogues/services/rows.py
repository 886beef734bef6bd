"""Fast row writing for imports: ids reserved up front, then COPY (PostgreSQL) or executemany.

An import of tens of thousands of sessions writes millions of rows. The ORM's bulk_create is
several times slower than PostgreSQL's COPY, and sessions need their ids before their turns can
point at them; reserving ids first lets every table be written in one pass without RETURNING.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


class TableWriter:
    """Writes whole rows of one model, in the order of its concrete fields."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns: list[str] = [str(field.column) for field in self.fields]
        self._json = [isinstance(field, models.JSONField) for field in self.fields]
        self._next_sqlite_id: int | None = None
        quote = connection.ops.quote_name
        self._column_sql = ", ".join(quote(column) for column in self.columns)
        self._table_sql = quote(self.table)

    def row(self, **values: Any) -> tuple[Any, ...]:
        """A row from keyword values by column name; JSON columns are serialised here."""
        row = []
        for column, is_json in zip(self.columns, self._json, strict=True):
            value = values[column]
            if is_json:
                value = json.dumps(value, ensure_ascii=False)
            row.append(value)
        return tuple(row)

    def reserve_ids(self, count: int) -> list[int]:
        if count == 0:
            return []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite has one writer and the import holds the write lock, so ids past the largest
            # ever handed out (sqlite_sequence remembers deleted ones) are ours.
            if self._next_sqlite_id is None:
                # The table name comes from the model's Meta, never from input.
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self._table_sql}")  # noqa: S608
                largest = cursor.fetchone()[0]
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                found = cursor.fetchone()
                self._next_sqlite_id = max(largest, found[0] if found else 0) + 1
            first = self._next_sqlite_id
            self._next_sqlite_id += count
            return list(range(first, first + count))

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
            cursor.executemany(
                f"INSERT INTO {self._table_sql} ({self._column_sql}) VALUES ({placeholders})",  # noqa: S608
                rows,
            )
