"""Every CSV the app writes quotes formula-like text and keeps numbers as numbers."""

from __future__ import annotations

import csv
import io

from core.spreadsheets import csv_text


def test_formula_like_text_is_quoted_and_numbers_are_not():
    text = csv_text([["=1+1", "+1", "-2", "@A1", "\tx", "\rx", "plain", -0.5, 3, None, "-"]])

    assert text.startswith("\ufeff")
    (row,) = list(csv.reader(io.StringIO(text[1:])))
    assert row == ["'=1+1", "'+1", "'-2", "'@A1", "'\tx", "'\rx", "plain", "-0.5", "3", "", "'-"]
