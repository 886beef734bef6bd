"""The rule set: one regular expression per rule, with the literal anchors that gate it.

Scanning 600,000 turns with dozens of regular expressions would take minutes, so every rule
names ``anchors``: lower-case literals of which every match must contain at least one. The engine
finds all anchors of all rules in one Aho-Corasick pass over the lower-cased turn and runs only
the rules whose anchors it saw; most turns run none. Rules with the same anchors run as one
alternation, so a text is scanned once for all of them. A rule whose anchors miss a wording also
misses that wording, so the tests check each fixture through the whole engine.

Patterns match case-insensitively; where case carries meaning (a name starts with a capital) a
pattern turns it back on locally with ``(?-i:...)``. A rule may name a ``value`` group, the part
the flag points at (the name in "my name is Anna"), and a ``check``: a function in ``checks.py``
that may refuse a match (a resident ID whose checksum fails) or narrow it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

CRISIS = "crisis"
PII = "pii"

CRISIS_CATEGORIES = ("suicidal", "self_harm", "harm_others", "abuse")
PII_CATEGORIES = ("phone", "email", "cn_id", "address", "url", "name")


@dataclass(frozen=True)
class Rule:
    kind: str
    category: str
    pattern: str
    # Empty for the digit rules (see NUMBERS).
    anchors: tuple[str, ...]
    # The script a rule reads: "en" rules need Latin letters in the turn, "zh" rules Han
    # characters, "*" rules (numbers, e-mail, links) neither. Every turn runs every rule; a
    # rule's anchors are in its script, so the script present decides which rules fire.
    script: str = "*"
    value: str | None = None
    check: str | None = None


def _phrases(*parts: Iterable[str]) -> tuple[str, ...]:
    """Every combination of the parts, joined by a space: the anchors of "verb object" rules."""
    return tuple(" ".join(words) for words in product(*parts))


def _joined(*parts: Iterable[str]) -> tuple[str, ...]:
    """Every combination of the parts, joined without a space (Chinese)."""
    return tuple("".join(words) for words in product(*parts))


def _words(text: str) -> list[str]:
    return text.split()


def _alt(words: Iterable[str]) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_EN_SELVES = ("myself", "yourself", "themselves", "himself", "herself", "ourselves")
_EN_POSSESSIVE = ("my", "your", "his", "her", "their")
# Objects the English harm rules accept: "hurt my feelings" is not a threat, "hurt my wife" is.
_EN_TARGETS = ("him", "her", "them", "everyone", "everybody", "somebody", "someone", "people")
_EN_RELATIONS = _words(
    "wife husband partner boyfriend girlfriend ex kid kids child children son daughter baby "
    "mother mom mum father dad parents parent brother sister boss coworker coworkers colleague "
    "colleagues roommate neighbor neighbour teacher classmate classmates family"
)
_EN_HARM_VERBS = [
    *_words("kill murder stab shoot strangle hurt harm attack poison"),
    # "I keep thinking about hurting my brother": the gerund after "thinking about", "of".
    *_words("killing murdering stabbing shooting strangling hurting harming attacking poisoning"),
    "beat up",
    "beating up",
]
_EN_SELF_VERBS = (
    _words("kill killing killed hang hanging hanged shoot shooting drown drowning"),
    _words(
        "hurt hurting hurts harm harming harmed harms cut cutting cuts burn burning burned burns "
        "scratch scratching scratched punish punishing punished starve starving"
    ),
)
_EN_ABUSE_VERBS = _words(
    "hits hit beats beat slaps slapped kicks kicked chokes choked abuses abused punches punched "
    "rapes raped molests molested"
)
_EN_ABUSERS = [
    "he",
    "she",
    "they",
    *(
        f"my {who}"
        for who in _words(
            "husband wife partner boyfriend girlfriend father dad stepfather stepdad mother mom "
            "mum stepmother stepmom parents uncle brother sister boss coach teacher ex"
        )
    ),
]

_ZH_ABUSERS = _words(
    "他 她 他们 爸爸 爸 妈妈 妈 父亲 母亲 继父 继母 丈夫 老公 妻子 老婆 男朋友 女朋友 "
    "男友 女友 前夫 前妻 哥哥 姐姐 老板 老师"
)
_ZH_ABUSE_VERBS = ("打", "揍", "踢", "掐")
_ZH_HARM_VERBS = ("杀了", "杀死", "弄死", "捅死", "掐死", "伤害", "报复", "砍")
_ZH_TARGETS = _words(
    "他 她 他们 她们 别人 他人 所有人 全家 老板 同事 老师 同学 孩子 "
    "弟弟 哥哥 姐姐 妹妹 爸爸 妈妈 老公 老婆 丈夫 妻子 室友 邻居"
)
_ZH_SELF_VERBS = ("伤害", "割", "割伤", "划", "划伤", "弄伤", "打", "烫", "烫伤", "掐")
_ZH_DIGITS = "0123456789０１２３４５６７８９一二三四五六七八九十百零〇"
_ZH_NUM = f"[{_ZH_DIGITS}]"
_ZH_STREETS = ("路", "街", "大道", "大街", "巷", "弄", "胡同")
_EN_STREETS = _words(
    "street st avenue ave road rd boulevard blvd lane ln drive dr court ct way place pl "
    "terrace parkway highway hwy"
)

# Clinical credentials that follow a name in a signature ("Robin Landwehr, DBH, LPCC"), as written
# (case matters: "Ma" is not "MA").
_EN_CREDENTIALS = _words(
    "LPC LPCC LPC-S LPCC-S LMFT LCSW LICSW LISW LMSW LMHC LCPC LCMHC LMAC LCADC CADC CAADC NCC "
    "DCC CCTP MFT MSW MSSW PhD Ph.D. PsyD Psy.D. EdD Ed.D. DBH MD M.D. MA M.A. MS M.S. MEd "
    "M.Ed. M.S.Ed. MSc RN APRN PMHNP"
)

# Rules with NUMBERS instead of anchors run only on a text with four digits in a row (every
# phone number and resident ID has them, an age or "0 to 10" does not) or a number before a
# capitalised word (a house number); see engine._NUMBER_GATE.
NUMBERS: tuple[str, ...] = ()

RULES: tuple[Rule, ...] = (
    # --- suicidal, English -------------------------------------------------------------------
    Rule(CRISIS, "suicidal", r"\bsuicid(?:e|es|al|ality)\b", ("suicid",), "en"),
    Rule(
        CRISIS,
        "suicidal",
        rf"\b{_alt(_EN_SELF_VERBS[0])}\s+{_alt(_EN_SELVES)}\b",
        _phrases(_EN_SELF_VERBS[0], _EN_SELVES),
        "en",
    ),
    Rule(
        CRISIS,
        "suicidal",
        r"\b(?:end|ending|ended|take|taking|took)\s+"
        + _alt(_EN_POSSESSIVE)
        + r"\s+(?:own\s+)?life\b",
        _phrases(("end", "ending", "ended", "take", "taking", "took"), _EN_POSSESSIVE),
        "en",
    ),
    Rule(CRISIS, "suicidal", r"\bend(?:ing)?\s+it\s+all\b", ("end it all", "ending it all"), "en"),
    Rule(
        CRISIS,
        "suicidal",
        r"\b(?:want|wants|wanted|wanting|wish|wished)\s+to\s+(?:die|be\s+dead)\b",
        ("to die", "to be dead"),
        "en",
    ),
    Rule(
        CRISIS,
        "suicidal",
        r"\bwish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)\b",
        ("wish i was", "wish i were"),
        "en",
    ),
    Rule(
        CRISIS,
        "suicidal",
        r"\bbetter\s+off\s+(?:dead|without\s+me)\b",
        ("better off",),
        "en",
    ),
    Rule(
        CRISIS,
        "suicidal",
        # "I don't want to be here anymore": passive ideation; without "anymore" it is as
        # likely to be about a party, so that reading needs the word.
        r"\b(?:don'?t|do\s+not|no\s+longer)\s+want\s+to\s+"
        r"(?:live|be\s+alive|wake\s+up|exist|be\s+here\s+any\s?more)\b",
        ("want to live", "want to be alive", "want to wake up", "want to exist", "want to be here"),
        "en",
    ),
    Rule(
        CRISIS,
        "suicidal",
        r"\b(?:go|went|going)\s+to\s+sleep\s+and\s+never\s+wake\s+up\b",
        ("never wake up",),
        "en",
    ),
    # "I took a bunch of pills last night": a quantity of pills, not "two pills". A stated
    # purpose ("... pills for my headache") reads as medication, not an overdose.
    Rule(
        CRISIS,
        "suicidal",
        # "Taking so many meds" is as often a complaint about a prescription, so the loose
        # quantities count only in the past tense; a handful or all of them count in any.
        r"\b(?:(?:took|swallowed)\s+(?:a\s+lot\s+of|too\s+many|so\s+many|lots\s+of|loads\s+of|"
        r"a\s+(?:whole\s+)?(?:bunch|handful|bottle|box)\s+of|all\s+(?:of\s+)?(?:my|the))"
        r"|(?:take|taking|swallow|swallowing)\s+"
        r"(?:a\s+(?:whole\s+)?(?:bunch|handful|bottle|box)\s+of|all\s+(?:of\s+)?(?:my|the)))"
        r"\s+(?:\w+\s+)?(?:pills|tablets|painkillers|meds|medication)\b(?!\s+for\b)",
        ("pills", "tablets", "painkillers", "meds", "medication"),
        "en",
    ),
    Rule(
        CRISIS,
        "suicidal",
        r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:keep\s+)?(?:live|living|go\s+on|going\s+on)\b",
        ("no reason", "no point"),
        "en",
    ),
    Rule(CRISIS, "suicidal", r"\bnot\s+worth\s+living\b", ("worth living",), "en"),
    Rule(CRISIS, "suicidal", r"\boverdos(?:e|ed|ing)\b", ("overdos",), "en"),
    Rule(
        CRISIS,
        "suicidal",
        r"\bjump(?:ing)?\s+off\s+(?:a|the)\s+(?:bridge|building|roof|cliff)\b",
        ("jump off", "jumping off"),
        "en",
    ),
    # --- self-harm, English ---
    Rule(
        CRISIS,
        "self_harm",
        r"\bself[-\s]?(?:harm(?:ing)?|injur(?:y|ies|ing))\b",
        ("self-harm", "self harm", "selfharm", "self-injur", "self injur"),
        "en",
    ),
    Rule(
        CRISIS,
        "self_harm",
        rf"\b{_alt(_EN_SELF_VERBS[1])}\s+{_alt(_EN_SELVES)}\b",
        _phrases(_EN_SELF_VERBS[1], _EN_SELVES),
        "en",
    ),
    Rule(
        CRISIS,
        "self_harm",
        r"\b(?:slit|slitting|cut|cutting)\s+(?:on\s+)?(?:my|your)\s+(?:arms?|wrists?|legs?|thighs?)\b",
        ("wrist", "cutting my", "cutting on my", "cut my arm", "cut my leg", "cutting your"),
        "en",
    ),
    # --- harm to others, English ---
    Rule(
        CRISIS,
        "harm_others",
        rf"\b{_alt(_EN_HARM_VERBS)}\s+(?:{_alt(_EN_TARGETS)}|my\s+{_alt(_EN_RELATIONS)})\b"
        r"(?!'s|\s+(?:feelings|pride|chances|reputation|career|back|knee|hand|arm|leg|head))",
        _phrases(_EN_HARM_VERBS, (*_EN_TARGETS, "my")),
        "en",
    ),
    Rule(
        CRISIS,
        "harm_others",
        r"\b(?:make|making)\s+(?:him|her|them)\s+(?:pay|suffer)\b",
        _phrases(("him", "her", "them"), ("pay", "suffer")),
        "en",
    ),
    # --- abuse, English ---
    Rule(
        CRISIS,
        "abuse",
        r"\b(?:sexual(?:ly)?|physical(?:ly)?|emotional(?:ly)?|domestic(?:ally)?|verbal(?:ly)?|"
        r"child)\s+(?:abus(?:e|ed|ive)|assault(?:ed)?|violence)\b",
        ("abus", "assault", "violence"),
        "en",
    ),
    Rule(CRISIS, "abuse", r"\bdomestic\s+violence\b", ("domestic violence",), "en"),
    Rule(
        CRISIS,
        "abuse",
        r"\b(?:was|were|being|been|get|got|gets)\s+(?:abused|raped|molested|assaulted|beaten)\b",
        ("abused", "raped", "molested", "assaulted", "beaten"),
        "en",
    ),
    Rule(
        CRISIS,
        "abuse",
        r"\b(?:rape|raped|raping|molest(?:ed|ing|ation)?)\b",
        ("rape", "raping", "molest"),
        "en",
    ),
    Rule(
        CRISIS,
        "abuse",
        rf"\b{_alt(_EN_ABUSERS)}\s+(?:\w+\s+)?{_alt(_EN_ABUSE_VERBS)}\s+me\b"
        # "He beat me at chess", "she beat me to it".
        r"(?!\s+(?:at|in|to)\b)",
        tuple(f"{verb} me" for verb in _EN_ABUSE_VERBS),
        "en",
    ),
    Rule(
        CRISIS,
        "abuse",
        r"\babusive\s+(?:relationship|partner|husband|wife|boyfriend|girlfriend|father|mother|"
        r"parents?|home|household|marriage)\b",
        ("abusive",),
        "en",
    ),
    Rule(
        CRISIS,
        "abuse",
        r"\bforc(?:ed|es|ing)\s+(?:me\s+(?:to\s+have\s+sex|into\s+sex)|(?:himself|herself)\s+on\s+me)\b"
        r"|\btouch(?:ed|es|ing)\s+me\s+(?:inappropriately|sexually)\b",
        (
            "to have sex",
            "into sex",
            "himself on me",
            "herself on me",
            "me inappropriately",
            "me sexually",
        ),
        "en",
    ),
    # --- crisis, Chinese ---------------------------------------------------------------------
    Rule(
        CRISIS,
        "suicidal",
        r"自杀|轻生|寻死|想死|去死|不想活|活不下去|一了百了|跳楼|跳河|上吊",
        (
            "自杀",
            "轻生",
            "寻死",
            "想死",
            "去死",
            "不想活",
            "活不下去",
            "一了百了",
            "跳楼",
            "跳河",
            "上吊",
        ),
        "zh",
    ),
    Rule(
        CRISIS,
        "suicidal",
        r"结束(?:自己的|我的)?生命|了结(?:自己|生命|一切)|死了(?:算了|就好了)|不如死了|"
        r"活着(?:没|没有)(?:意思|意义)|(?:吞|吃)了?(?:一瓶|很多|大量)?安眠药",
        ("结束", "了结", "死了", "活着没", "安眠药"),
        "zh",
    ),
    # Overdose: "吃了很多药", "吞了一整瓶药"; the 了 makes it an act, not a prescription.
    Rule(
        CRISIS,
        "suicidal",
        r"(?:吃|吞|喝)了(?:一整瓶|一瓶|一大把|一把|很多|好多|大量|一堆|整瓶)的?"
        # "这几年吃了很多药都没用" is years of treatment, not one night.
        r"(?:药片|药|止痛药|感冒药)(?!都|也|还|却)",
        _joined(
            ("吃了", "吞了", "喝了"),
            ("一整瓶", "一瓶", "一大把", "一把", "很多", "好多", "大量", "一堆", "整瓶"),
        ),
        "zh",
    ),
    # Passive ideation: "不想再醒来", "想永远消失", "离开这个世界".
    Rule(
        CRISIS,
        "suicidal",
        r"不想(?:再)?(?:醒来|醒过来|存在)|(?:永远|从这个世界上?)消失|离开这个世界",
        ("不想醒", "不想再醒", "不想存在", "不想再存在", "消失", "离开这个世界"),
        "zh",
    ),
    # 自伤 but not 源自伤害 ("comes from harm") or 来自伤心 ("comes from sadness").
    Rule(
        CRISIS,
        "self_harm",
        r"自残|(?<![源来出发])自伤(?![害心感痛])|自我伤害|割腕",
        ("自残", "自伤", "自我伤害", "割腕"),
        "zh",
    ),
    Rule(
        CRISIS,
        "self_harm",
        # Not 规划自己 ("plan one's own ...") or 计划自己.
        r"(?<![规计策筹比刻])" + _alt(_ZH_SELF_VERBS) + r"(?:我|你)?自己",
        _joined(_ZH_SELF_VERBS, ("", "我", "你"), ("自己",)),
        "zh",
    ),
    Rule(
        CRISIS,
        "harm_others",
        _alt(_ZH_HARM_VERBS) + r"(?:我的?)?" + _alt(_ZH_TARGETS),
        _joined(_ZH_HARM_VERBS, ("", "我", "我的"), _ZH_TARGETS),
        "zh",
    ),
    Rule(CRISIS, "harm_others", r"想杀人|同归于尽", ("想杀人", "同归于尽"), "zh"),
    Rule(
        CRISIS,
        "abuse",
        r"家暴|家庭暴力|虐待|性侵|强奸|强暴|猥亵|性骚扰",
        ("家暴", "家庭暴力", "虐待", "性侵", "强奸", "强暴", "猥亵", "性骚扰"),
        "zh",
    ),
    # "我被他打了", "被爸爸打过"; the 了 or 过 keeps out 被打扰 and 被打击 (discouraged).
    Rule(
        CRISIS,
        "abuse",
        r"被" + _alt(_ZH_ABUSERS) + r"?" + _alt(_ZH_ABUSE_VERBS) + r"(?:了|过|伤)",
        _joined(("被",), ("", *_ZH_ABUSERS), _ZH_ABUSE_VERBS, ("了", "过", "伤")),
        "zh",
    ),
    Rule(
        CRISIS,
        "abuse",
        _alt(_ZH_ABUSERS)
        + r"(?:经常|总是|又|常常|一直|老是|动手)?"
        + _alt(_ZH_ABUSE_VERBS)
        + r"我(?!电话|手机|的电话|的手机)",
        _joined(_ZH_ABUSE_VERBS, ("我",)),
        "zh",
    ),
    # --- personal data -----------------------------------------------------------------------
    Rule(
        PII,
        "email",
        r"(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![a-z0-9-])",
        ("@",),
    ),
    Rule(
        PII,
        "url",
        r"(?<![a-z0-9.])(?:https?://|www\.)[^\s<>\"'，。！？、）)】\x00]+",
        ("http", "www."),
        check="url",
    ),
    # A resident ID: 17 digits and a check digit or X; the checksum decides. Listed before the
    # phone numbers so the longer reading wins.
    Rule(PII, "cn_id", r"(?<![0-9])[1-9][0-9]{16}[0-9x](?![0-9a-z])", NUMBERS, check="cn_id"),
    # Chinese mobile: 1[3-9] and nine more digits, together or 3-4-4, maybe after +86.
    Rule(
        PII,
        "phone",
        r"(?<![0-9+])(?:\+?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]{4}){2}(?![0-9])",
        NUMBERS,
    ),
    # Chinese landline with its area code: 010-12345678, 0755-1234567.
    Rule(PII, "phone", r"(?<![0-9])0[1-9][0-9]{1,2}-[0-9]{7,8}(?![0-9])", NUMBERS),
    # North American: (555) 123-4567, 555-123-4567, +1 555 123 4567.
    Rule(
        PII,
        "phone",
        r"(?<![0-9])(?:\+1[\s.-]?)?(?:\([0-9]{3}\)\s?|[0-9]{3}[\s.-])[0-9]{3}[\s.-][0-9]{4}(?![0-9])",
        NUMBERS,
    ),
    # Other international numbers written with a plus: +44 20 7946 0958.
    Rule(
        PII,
        "phone",
        r"(?<![0-9])\+[1-9][0-9]{0,2}(?:[\s-]?[0-9]{2,5}){2,5}(?![0-9])",
        NUMBERS,
    ),
    Rule(
        PII,
        "address",
        r"\b[0-9]{1,5}[a-z]?\s+(?:[nsew]\.?\s+)?(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+)){0,3}\s+"
        + _alt(_EN_STREETS)
        + r"\b\.?(?:,?\s+(?:apt|apartment|suite|unit)\.?\s*#?[0-9a-z]+)?",
        NUMBERS,
        "en",
    ),
    Rule(
        PII,
        "address",
        r"[\u4e00-\u9fa5]{1,12}?" + _alt(_ZH_STREETS) + _ZH_NUM + r"{1,5}号"
        r"(?:院|楼)?(?:" + _ZH_NUM + r"{1,4}(?:栋|幢|号楼|单元|层|楼|室))*",
        _joined(_ZH_STREETS, _ZH_DIGITS),
        "zh",
        check="zh_address",
    ),
    Rule(
        PII,
        "name",
        r"\b(?:my\s+name\s+is|my\s+name's|i\s+am\s+called|i'm\s+called|call\s+me)\s+"
        r"(?P<value>(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))",
        ("my name", "am called", "i'm called", "call me"),
        "en",
        value="value",
    ),
    # A signature: a capitalised first and last name followed by credentials, as the therapists
    # of CounselChat sign their answers ("Be well...Robin Landwehr, DBH, LPCC"). The anchors are
    # the comma and the credential, which every signature has and little else does.
    Rule(
        PII,
        "name",
        r"(?-i:(?<![A-Za-z])(?P<value>[A-Z][a-z]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z]*['’-]?[A-Z]?[a-z]+){1,2})"
        r",\s?" + _alt(re.escape(c) for c in _EN_CREDENTIALS) + r"(?![A-Za-z]))",
        tuple(
            f"{comma}{credential.lower()}"
            for comma in (", ", ",")
            for credential in _EN_CREDENTIALS
        ),
        "en",
        value="value",
    ),
    Rule(
        PII,
        "name",
        r"(?:我叫|我的名字(?:是|叫)|本人名叫|我名叫)"
        r"(?!什么|他|她|它|你|了|不|过|醒|来|去|做|着|外卖|快递|车)(?P<value>[\u4e00-\u9fa5]{2,3})",
        ("我叫", "我的名字", "名叫"),
        "zh",
        value="value",
    ),
)
