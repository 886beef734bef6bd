"""Second opinions on a match: refuse it (``None``) or narrow it to ``(start, end)`` within it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

# GB 11643-1999: weights of the 17 digits, and the check character for each remainder mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_valid(number: str) -> bool:
    """An 18-character resident ID whose birth date exists and whose check character is right."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= 2100:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == number[17].upper()


def _cn_id(matched: str) -> tuple[int, int] | None:
    return (0, len(matched)) if cn_id_valid(matched) else None


# The address rule starts wherever the Chinese run before the street starts, which often takes
# in "我住在" or "地址是"; the address proper begins after the last such word before the first
# place-name suffix.
_ZH_PLACE = re.compile(r"省|市|区|县|镇|路|街|大道|巷|弄|胡同")
_ZH_LEAD = re.compile(r".*(?:住在|家在|地址是|地址|位于|搬到|在|住|是|到|：|:)")


def _zh_address(matched: str) -> tuple[int, int] | None:
    place = _ZH_PLACE.search(matched)
    head = matched[: place.start()] if place else ""
    lead = _ZH_LEAD.match(head)
    start = lead.end() if lead else 0
    if place is not None and start >= place.start():
        return None
    return start, len(matched)


def _url(matched: str) -> tuple[int, int] | None:
    # A sentence that ends with a link ends with a full stop that is not part of it.
    return 0, len(matched.rstrip(".,;:!?"))


CHECKS: dict[str, Callable[[str], tuple[int, int] | None]] = {
    "cn_id": _cn_id,
    "zh_address": _zh_address,
    "url": _url,
}
