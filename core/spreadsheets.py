"""The one way Rapport writes a CSV file that someone may open in a spreadsheet.

Cells hold names and texts that leads, reviewers and imported files chose. A spreadsheet runs a
cell that starts like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return), so such
a text is prefixed with a single quote, which the spreadsheet shows as text. Numbers are written
as they are: a negative statistic must stay a number. The byte order mark lets spreadsheet
programs read Chinese text as UTF-8.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
BYTE_ORDER_MARK = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: formula-like text is quoted, numbers are kept."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        return "'" + text if text.startswith(FORMULA_STARTS) else text
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text of ``rows``, a line at a time, starting with the byte order mark."""
    writer = csv.writer(_Echo())
    yield BYTE_ORDER_MARK
    for row in rows:
        yield writer.writerow([spreadsheet_cell(value) for value in row])


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    return "".join(csv_lines(rows))


def csv_response(*, rows: Iterable[Sequence[Any]], filename: str) -> StreamingHttpResponse:
    """A CSV download, streamed, so a long report never sits whole in memory."""
    response = StreamingHttpResponse(csv_lines(rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
