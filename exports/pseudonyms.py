"""Stable pseudonyms for reviewers, so exports can show who agreed with whom without names."""

from __future__ import annotations

import hashlib
import hmac

PSEUDONYM_HEX_DIGITS = 8


def reviewer_pseudonym(*, reviewer_id: int | str, salt: str | bytes) -> str:
    """``r-`` and the first hex digits of HMAC-SHA256(salt, reviewer id).

    A keyed hash rather than a plain one: reviewer ids are small integers, so an unsalted
    digest could be reversed by hashing every id. The same salt gives the same pseudonym in
    every export, which lets a training team follow one reviewer across exports; a new salt
    unlinks them. Eight hex digits keep collisions unlikely (about 1 in 10,000 among a
    thousand reviewers).
    """
    key = salt.encode() if isinstance(salt, str) else salt
    if not key:
        raise ValueError("a pseudonym salt must not be empty")
    digest = hmac.new(key, str(reviewer_id).encode(), hashlib.sha256).hexdigest()
    return "r-" + digest[:PSEUDONYM_HEX_DIGITS]
