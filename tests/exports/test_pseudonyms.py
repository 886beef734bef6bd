import hashlib
import hmac
import re

import pytest

from exports.pseudonyms import reviewer_pseudonym


def test_pseudonym_is_stable_for_the_same_salt():
    first = reviewer_pseudonym(reviewer_id=42, salt="project-salt")

    assert re.fullmatch(r"r-[0-9a-f]{8}", first)
    assert reviewer_pseudonym(reviewer_id="42", salt=b"project-salt") == first


def test_pseudonym_differs_between_reviewers_and_between_salts():
    names = {reviewer_pseudonym(reviewer_id=n, salt="s") for n in range(1, 500)}

    assert len(names) == 499
    assert reviewer_pseudonym(reviewer_id=1, salt="s") != reviewer_pseudonym(
        reviewer_id=1, salt="t"
    )


def test_pseudonym_is_a_keyed_hash_not_a_plain_one():
    pseudonym = reviewer_pseudonym(reviewer_id=7, salt="k")

    assert pseudonym == "r-" + hmac.new(b"k", b"7", hashlib.sha256).hexdigest()[:8]
    assert pseudonym != "r-" + hashlib.sha256(b"7").hexdigest()[:8]


def test_empty_salt_is_refused():
    with pytest.raises(ValueError, match="salt"):
        reviewer_pseudonym(reviewer_id=1, salt="")
