"""Text normalisation for grouping: what counts as "the same text".

Texts are compared after NFKC folding (full-width Latin and digits become ASCII), case folding,
and dropping everything that is not a letter or digit, so punctuation and whitespace changes,
which are the commonest edits between near-duplicates in both English and Chinese, vanish
before any comparison. The folding is done per code point through lookup tables, so a whole
batch of texts is normalised with a few numpy operations instead of a regex per text.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata

import numpy as np

_BMP = 0x10000


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Per code point of the Basic Multilingual Plane: its folded form, and whether it is kept."""
    folded = np.arange(_BMP, dtype=np.uint32)
    kept = np.zeros(_BMP, dtype=bool)
    for point in range(_BMP):
        if 0xD800 <= point < 0xE000:  # lone surrogates never reach here from valid UTF-8
            continue
        form = unicodedata.normalize("NFKC", chr(point)).casefold()
        if len(form) == 1:
            folded[point] = ord(form)
        kept[point] = form.isalnum()
    return folded, kept


def code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def normalized_code_points(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points and the mask of the ones kept (letters and digits).

    Code points outside the BMP (emoji, rare CJK extensions) are kept unchanged: folding them
    would cost a table forty times larger for characters that barely occur.
    """
    folded_table, kept_table = _tables()
    clipped = np.minimum(points, _BMP - 1)
    folded, kept = folded_table[clipped], kept_table[clipped]
    outside = np.flatnonzero(points >= _BMP)
    if outside.size:
        folded[outside] = points[outside]
        kept[outside] = True
    return folded, kept


@functools.cache
def _translation() -> dict[int, int | None]:
    """The lookup tables as a ``str.translate`` mapping: dropped points map to None, folded
    points to their fold, and points left as they are do not appear."""
    folded_table, kept_table = _tables()
    mapping: dict[int, int | None] = {}
    for point in range(_BMP):
        if not kept_table[point]:
            mapping[point] = None
        elif folded_table[point] != point:
            mapping[point] = int(folded_table[point])
    return mapping


def text_key(text: str) -> bytes | None:
    """A digest of the normalised text, or None when nothing is left to compare.

    One short text at a time (a client speech, a persona) is folded with ``str.translate``,
    which gives the same code points as the array tables (points outside the Basic
    Multilingual Plane are kept as they are in both) without numpy's cost per call, which
    measured about a third of an export's grouping time.
    """
    folded = text.translate(_translation())
    if not folded:
        return None
    return hashlib.blake2b(folded.encode("utf-32-le"), digest_size=16).digest()
