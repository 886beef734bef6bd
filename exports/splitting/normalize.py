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


@functools.cache
def _kept_folds() -> np.ndarray:
    """The folded form of every BMP code point, 0 for the dropped ones (NUL is never kept), so
    one gather gives both the folds and the mask, a third of the cost of a folded and a
    boolean table."""
    folded_table, kept_table = _tables()
    return np.where(kept_table, folded_table, 0).astype(np.uint32)


def normalized_code_points(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points and the mask of the ones kept (letters and digits).

    Code points outside the BMP (emoji, rare CJK extensions) are kept unchanged: folding them
    would cost a table forty times larger for characters that barely occur.
    """
    # "clip" sends points outside the BMP to its last entry (overwritten below) and skips the
    # bounds checks of the default mode, which cost four times the gather itself.
    folded = np.take(_kept_folds(), points, mode="clip")
    outside = np.flatnonzero(points >= _BMP)
    if outside.size:
        folded[outside] = points[outside]
    return folded, folded != 0


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


@functools.cache
def _ascii_translation() -> tuple[bytes, bytes]:
    """The lookup tables for ASCII as a ``bytes.translate`` table and the bytes it deletes:
    most texts are ASCII, and translating bytes costs a fraction of a dict lookup per
    character. Every kept ASCII point folds to an ASCII point (a letter to its lower case)."""
    folded_table, kept_table = _tables()
    table = bytearray(range(256))
    dropped = bytearray()
    for point in range(128):
        if not kept_table[point]:
            dropped.append(point)
        elif folded_table[point] < 128:
            table[point] = int(folded_table[point])
        else:  # pragma: no cover - NFKC and case folding map ASCII into ASCII
            raise AssertionError(f"ASCII point {point} folds outside ASCII")
    return bytes(table), bytes(dropped)


# hashlib releases the GIL while hashing 2,048 bytes or more. During an export a thread reading
# the next chunk from the database holds the GIL most of the time, and each release made the
# main thread wait up to a switch interval (5 ms) to get it back: long keys are hashed in
# shorter pieces, which gives the same digest.
_HASHED_AT_ONCE = 2047


def _digest(data: bytes) -> bytes:
    if len(data) <= _HASHED_AT_ONCE:
        return hashlib.blake2b(data, digest_size=16).digest()
    digest = hashlib.blake2b(digest_size=16)
    view = memoryview(data)
    for start in range(0, len(data), _HASHED_AT_ONCE):
        digest.update(view[start : start + _HASHED_AT_ONCE])
    return digest.digest()


def text_key(text: str) -> bytes | None:
    """A digest of the normalised text (UTF-8), or None when nothing is left to compare.

    One short text at a time (a client speech, a persona) is folded with ``bytes.translate``
    when it is ASCII and ``str.translate`` otherwise, which give the same code points as the
    array tables (points outside the Basic Multilingual Plane are kept as they are in all of
    them) without numpy's cost per call, which measured about a third of an export's grouping
    time. Keys live only in memory while groups are built, so their encoding is free to change.
    """
    if text.isascii():
        table, dropped = _ascii_translation()
        folded = text.encode("ascii").translate(table, dropped)
    else:
        folded = text.translate(_translation()).encode()
    if not folded:
        return None
    return _digest(folded)
