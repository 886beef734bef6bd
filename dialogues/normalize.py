"""Text normalisation, language detection and the content hash used to recognise a session again.

Two files that differ only in Unicode composition, line endings or stray spaces hold the same
conversation; normalising before hashing makes them one session.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

# Horizontal whitespace, including the no-break and ideographic spaces that generated Chinese
# text is full of; runs collapse to one ordinary space.
_HORIZONTAL_SPACE = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_MANY_NEWLINES = re.compile(r"\n{3,}")
# Invisible characters that change the bytes but not what a reader sees.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)

# CJK unified ideographs (with extension A) and compatibility ideographs.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Every byte that is not an ASCII letter: deleting them from UTF-8 leaves the Latin letters.
_NOT_LATIN = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))
# Language shows within the first few thousand characters; reading more only costs time.
DETECT_CHARACTERS = 4000
# A text is Chinese once this share of its letters are ideographs: one ideograph carries about a
# word, so Chinese with English terms in it stays Chinese.
ZH_SHARE = 0.3

_TURN_SEPARATOR = "\x1e"
_FIELD_SEPARATOR = "\x1f"


def text_normalize(text: str) -> str:
    """NFC, Unix line endings, single spaces, no blank-line runs, no leading or trailing space."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
        text = _HORIZONTAL_SPACE.sub(" ", text)
    elif "  " in text or "\t" in text or "\f" in text or "\v" in text:
        # Substring tests run at C speed; most generated text needs no regex at all.
        text = _HORIZONTAL_SPACE.sub(" ", text)
    if "\n" in text:
        if " \n" in text or "\n " in text:
            text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        if "\n\n\n" in text:
            text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def language_detect(texts: Iterable[str]) -> str:
    """ "zh" when ideographs make up at least ZH_SHARE of the letters, otherwise "en"."""
    sample: list[str] = []
    seen = 0
    for text in texts:
        sample.append(text[: DETECT_CHARACTERS - seen])
        seen += len(sample[-1])
        if seen >= DETECT_CHARACTERS:
            break
    if all(text.isascii() for text in sample):
        return "en"  # no ideograph can be there
    cjk = latin = 0
    for text in sample:
        if not text.isascii():
            cjk += len(_CJK.findall(text))
        latin += len(text.encode().translate(None, _NOT_LATIN))
    letters = cjk + latin
    return "zh" if letters and cjk / letters >= ZH_SHARE else "en"


def content_hash(
    turns: Iterable[tuple[str, str]], candidates: Iterable[tuple[int, str, str]] = ()
) -> str:
    """sha256 of the normalised turns (speaker and text), then of any candidate responses.

    Candidates count because pair datasets repeat a client speech with different response
    pairs: those are different items, not duplicates. Texts must already be normalised.
    """
    digest = hashlib.sha256()
    for speaker, text in turns:
        digest.update(f"{speaker}{_FIELD_SEPARATOR}{text}{_TURN_SEPARATOR}".encode())
    first = True
    for turn_index, key, text in candidates:
        if first:
            digest.update(b"\x1dcandidates")
            first = False
        digest.update(
            f"{turn_index}{_FIELD_SEPARATOR}{key}{_FIELD_SEPARATOR}{text}{_TURN_SEPARATOR}".encode()
        )
    return digest.hexdigest()
