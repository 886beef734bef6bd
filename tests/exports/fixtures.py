"""Families of near-duplicate client speeches in English and Chinese, written for these tests.

Each family is a base text and variants of the kinds that real synthetic sets contain:
punctuation changed, whitespace changed, one word (or character) changed, a small typo. The
bases are unrelated to each other, so each family must end up as exactly one group.
"""

from __future__ import annotations

import random

ENGLISH = [
    (
        "Ever since my promotion I lie awake at night replaying every meeting, sure that my boss "
        "regrets choosing me.",
        "boss",
        "manager",
    ),
    (
        "My sister and I have not spoken for a year after an argument about our father's house, "
        "and I miss her terribly.",
        "terribly",
        "badly",
    ),
    (
        "When I walk into a crowded room my heart races and I leave before anyone can talk to me.",
        "crowded",
        "packed",
    ),
    (
        "I moved to a new city for college and every weekend I sit alone in my dorm scrolling "
        "through old photos.",
        "weekend",
        "evening",
    ),
    (
        "My partner checks my phone every day and I am starting to believe I really did something "
        "wrong.",
        "partner",
        "boyfriend",
    ),
    (
        "I failed my driving test twice and now just thinking about the car makes my hands shake.",
        "twice",
        "again",
    ),
    (
        "Since the baby arrived I feel like a stranger in my own body and I cry in the shower so "
        "nobody hears.",
        "shower",
        "bathroom",
    ),
    (
        "My coach shouted at me in front of the whole team and I have skipped practice ever since.",
        "coach",
        "trainer",
    ),
]

CHINESE = [
    ("自从换了新工作以后，我每天早上醒来都觉得胸口发闷，一想到要去公司就想哭。", "公司", "单位"),
    ("我和妈妈每次通电话都会吵架，她总说我不懂事，可我已经三十岁了。", "妈妈", "母亲"),
    ("考研失败之后我一直待在家里，不敢出门见人，觉得所有人都在笑话我。", "出门", "外出"),
    ("男朋友总是忘记我们的纪念日，我说了几次他都觉得我太敏感了。", "纪念日", "生日"),
    ("孩子上初中以后就不愿意跟我说话，放学回家就把自己锁在房间里。", "房间", "屋子"),
    ("我在单位被同事孤立了，午饭的时候没有人愿意和我坐在一起。", "午饭", "中饭"),
    ("爸爸生病住院以后，我一边上班一边照顾他，已经好几个月没有睡过一个好觉了。", "好觉", "整觉"),
    ("每次要在课堂上发言，我的脸就会变得通红，声音也开始发抖。", "课堂", "会议"),
]


def _english_variants(text: str, word: str, replacement: str) -> list[str]:
    return [
        text,
        text.replace(",", "").replace(".", "!!"),
        text.replace(" ", "  ", 3).replace("I ", "I\n", 1),
        text.replace(word, replacement, 1),
        text[:40] + text[41:],  # a dropped letter
    ]


def _chinese_variants(text: str, word: str, replacement: str) -> list[str]:
    return [
        text,
        text.replace("，", ",").replace("。", "！"),
        " ".join(text[i : i + 6] for i in range(0, len(text), 6)),
        text.replace(word, replacement, 1),
        text[:12] + "了" + text[12:],
    ]


def near_duplicate_families() -> list[tuple[str, list[str]]]:
    """(language, texts) for every family, English first."""
    return [("en", _english_variants(*row)) for row in ENGLISH] + [
        ("zh", _chinese_variants(*row)) for row in CHINESE
    ]


def filler_text(number: int) -> str:
    """An unrelated text for each number: random letters or characters, so fillers share
    almost no shingles with each other or with the families."""
    rng = random.Random(number)
    if number % 2:
        return "".join(chr(0x4E00 + rng.randrange(6_000)) for _ in range(40)) + "。"
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ("".join(rng.choices(letters, k=rng.randint(3, 8))) for _ in range(20))
    return " ".join(words) + "."
