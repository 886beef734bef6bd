"""Screening rules: what each category catches, in English and Chinese, and what it leaves alone."""

from __future__ import annotations

import dataclasses
import re

import pytest

from dialogues.screening import (
    DETECTOR,
    NEGATED,
    QUESTION,
    STATEMENT,
    Hit,
    screen_text,
    screen_texts,
)
from dialogues.screening.checks import cn_id_valid
from dialogues.screening.rules import CRISIS_CATEGORIES, NUMBERS, PII_CATEGORIES, RULES

# (language, text, kind, category, matched text): one or more per category and language.
FIXTURES = [
    # --- crisis, English ---
    ("en", "Honestly I have been thinking about suicide a lot.", "crisis", "suicidal", "suicide"),
    ("en", "Some nights I just want to kill myself.", "crisis", "suicidal", "kill myself"),
    ("en", "I have thought about ending my life.", "crisis", "suicidal", "ending my life"),
    (
        "en",
        "Everyone would be better off without me.",
        "crisis",
        "suicidal",
        "better off without me",
    ),
    ("en", "I don't want to live anymore.", "crisis", "suicidal", "don't want to live"),
    ("en", "I wish I were dead, that's all.", "crisis", "suicidal", "wish I were dead"),
    ("en", "I took an overdose last year.", "crisis", "suicidal", "overdose"),
    ("en", "I started cutting myself again in March.", "crisis", "self_harm", "cutting myself"),
    ("en", "My self-harm got worse after the breakup.", "crisis", "self_harm", "self-harm"),
    ("en", "I burn myself when it gets too much.", "crisis", "self_harm", "burn myself"),
    ("en", "Sometimes I want to hurt my brother.", "crisis", "harm_others", "hurt my brother"),
    ("en", "I could kill him for what he did.", "crisis", "harm_others", "kill him"),
    ("en", "I swear I will make them pay.", "crisis", "harm_others", "make them pay"),
    ("en", "My stepfather hits me when he drinks.", "crisis", "abuse", "My stepfather hits me"),
    ("en", "I was sexually abused as a child.", "crisis", "abuse", "sexually abused"),
    ("en", "She left an abusive relationship in 2019.", "crisis", "abuse", "abusive relationship"),
    ("en", "I was raped in college.", "crisis", "abuse", "was raped"),
    ("en", "There was domestic violence at home.", "crisis", "abuse", "domestic violence"),
    ("en", "My uncle touched me inappropriately.", "crisis", "abuse", "touched me inappropriately"),
    ("en", "He forced me to have sex with him.", "crisis", "abuse", "forced me to have sex"),
    # --- crisis, Chinese ---
    ("zh", "我最近经常想到自杀。", "crisis", "suicidal", "自杀"),
    ("zh", "我真的不想活了。", "crisis", "suicidal", "不想活"),
    ("zh", "我觉得活着没有意义。", "crisis", "suicidal", "活着没有意义"),
    ("zh", "我想结束自己的生命。", "crisis", "suicidal", "结束自己的生命"),
    ("zh", "我有时候会割腕。", "crisis", "self_harm", "割腕"),
    ("zh", "难受的时候我会伤害自己。", "crisis", "self_harm", "伤害自己"),
    ("zh", "我真想杀了他。", "crisis", "harm_others", "杀了他"),
    ("zh", "我想和他同归于尽。", "crisis", "harm_others", "同归于尽"),
    ("zh", "我老公经常打我。", "crisis", "abuse", "老公经常打我"),
    ("zh", "小时候我被继父虐待过。", "crisis", "abuse", "虐待"),
    ("zh", "她说那是家暴。", "crisis", "abuse", "家暴"),
    ("zh", "昨天我又被他打了。", "crisis", "abuse", "被他打了"),
    ("zh", "我心烦的时候会烫自己。", "crisis", "self_harm", "烫自己"),
    # --- personal data ---
    ("en", "Call me on 555-201-3344 tonight.", "pii", "phone", "555-201-3344"),
    ("en", "My cell is (415) 555-0132.", "pii", "phone", "(415) 555-0132"),
    ("en", "Reach me at +44 20 7946 0958 in London.", "pii", "phone", "+44 20 7946 0958"),
    ("zh", "我的手机号是13812345678。", "pii", "phone", "13812345678"),
    ("zh", "打这个号码：+86 138-1234-5678", "pii", "phone", "+86 138-1234-5678"),
    ("zh", "办公室电话010-62751234。", "pii", "phone", "010-62751234"),
    (
        "en",
        "Write to jane.doe+notes@example.org please.",
        "pii",
        "email",
        "jane.doe+notes@example.org",
    ),
    ("zh", "邮箱是wang.lei@qq.com，随时联系。", "pii", "email", "wang.lei@qq.com"),
    ("zh", "发到li_na@163.com就行", "pii", "email", "li_na@163.com"),
    ("zh", "我的身份证号是11010519491231002X。", "pii", "cn_id", "11010519491231002X"),
    ("en", "ID 440524198801010011 on the form.", "pii", "cn_id", "440524198801010011"),
    ("en", "I live at 221 Baker Street, Apt 4 now.", "pii", "address", "221 Baker Street, Apt 4"),
    (
        "en",
        "We moved to 1600 Pennsylvania Avenue last year.",
        "pii",
        "address",
        "1600 Pennsylvania Avenue",
    ),
    ("zh", "我住在北京市朝阳区建国路88号。", "pii", "address", "北京市朝阳区建国路88号"),
    ("zh", "地址是漕溪北路1200号3栋502室。", "pii", "address", "漕溪北路1200号3栋502室"),
    (
        "en",
        "See https://example.com/my-blog for my story.",
        "pii",
        "url",
        "https://example.com/my-blog",
    ),
    ("zh", "我的博客www.example.cn/diary，写了很多。", "pii", "url", "www.example.cn/diary"),
    ("en", "Hi, my name is Laura Saunders and I am 45.", "pii", "name", "Laura Saunders"),
    ("en", "Everyone calls me... well, call me Sam.", "pii", "name", "Sam"),
    ("zh", "你好，我叫李明，今年二十岁。", "pii", "name", "李明"),
    ("zh", "我的名字是王小红。", "pii", "name", "王小红"),
    # Missed phrasings an audit found: the gerund, passive ideation, an overdose.
    (
        "en",
        "I keep thinking about hurting my brother.",
        "crisis",
        "harm_others",
        "hurting my brother",
    ),
    (
        "en",
        "Honestly, I don't want to be here anymore.",
        "crisis",
        "suicidal",
        "don't want to be here anymore",
    ),
    ("en", "I took a bunch of pills last night.", "crisis", "suicidal", "took a bunch of pills"),
    (
        "en",
        "Sometimes I want to take all my sleeping pills.",
        "crisis",
        "suicidal",
        "take all my sleeping pills",
    ),
    (
        "en",
        "Sometimes I want to go to sleep and never wake up.",
        "crisis",
        "suicidal",
        "go to sleep and never wake up",
    ),
    ("zh", "昨晚我吃了很多药。", "crisis", "suicidal", "吃了很多药"),
    ("zh", "有时候我只想永远消失。", "crisis", "suicidal", "永远消失"),
    ("zh", "我一直想伤害我弟弟。", "crisis", "harm_others", "伤害我弟弟"),
    # A therapist's signature, at the end of an answer or after a closing word.
    (
        "en",
        "Other colleagues will have more ideas. Be well...Robin Landwehr, DBH, LPCC",
        "pii",
        "name",
        "Robin Landwehr",
    ),
    (
        "en",
        "It may be tied to the trauma. Best Wishes. Laura Cassity, LMSW, LMAC",
        "pii",
        "name",
        "Laura Cassity",
    ),
    ("en", "Warmly, Marie O'Meara, LCSW", "pii", "name", "Marie O'Meara"),
    ("en", "Sara Makin, M.S.Ed.,NCC wrote this.", "pii", "name", "Sara Makin"),
]


def _ids(fixture: tuple[str, ...]) -> str:
    return f"{fixture[0]}-{fixture[3]}-{fixture[4]}"


@pytest.mark.parametrize(
    ("language", "text", "kind", "category", "matched"), FIXTURES, ids=[_ids(f) for f in FIXTURES]
)
def test_each_category_is_found_with_its_text_and_offsets(
    language: str, text: str, kind: str, category: str, matched: str
) -> None:
    hits = screen_text(text)

    wanted = [hit for hit in hits if hit.category == category]
    assert len(wanted) == 1, hits
    hit = wanted[0]
    assert (hit.kind, hit.matched_text) == (kind, matched)
    assert (hit.start, hit.end) == (text.index(matched), text.index(matched) + len(matched))
    assert text[hit.start : hit.end] == matched
    assert hit.detector == DETECTOR


def test_every_category_has_a_fixture_in_both_languages_where_it_applies() -> None:
    covered = {(language, category) for language, _, _, category, _ in FIXTURES}
    for category in ("suicidal", "self_harm", "harm_others", "abuse", "phone", "email"):
        assert {("en", category), ("zh", category)} <= covered
    for category in ("cn_id", "address", "url", "name"):
        assert ("zh", category) in covered
        assert ("en", category) in covered


PLAIN = [
    ("en", "I keep thinking I will fail my exams and everyone will see it."),
    ("en", "Let us practise the coping skills from last week; therapy takes time."),
    ("en", "It really hurt my feelings when she ignored me."),
    ("en", "He beat me at chess again, which was funny."),
    ("en", "My dad died in 2019 and I still miss him every day."),
    ("en", "On a scale from 0 to 100, how much do you believe that thought?"),
    ("en", "I work 40 hours a week at the clinic on Main Street."),
    ("en", "Call me crazy, but I think it's getting better."),
    ("en", "I had a panic attack on the train."),
    ("en", "We talked about his substance abuse treatment plan."),
    ("zh", "我总觉得同事们在背后议论我，每次开会都很紧张。"),
    ("zh", "你可以随时打我电话，我们再约时间。"),
    ("zh", "我叫了外卖，然后一个人看电视。"),
    ("zh", "咨询结束以后，我感觉轻松了一些。"),
    ("zh", "他说话的方式伤害了我的自尊心。"),
    ("zh", "我今年28岁，在一家公司做会计。"),
    ("zh", "我工作的时候总是被打扰，觉得被打击了。"),
    ("zh", "这种想法源自伤害事件的解决不当。"),
    ("zh", "你可以重新规划自己的人生。"),
    ("en", "Your words really touched me."),
    ("en", "I keep hurting my back at the gym."),
    ("en", "I took a bunch of pills for my headache and it went away."),
    ("en", "I took two pills last night and slept well."),
    ("en", "I am taking so many meds these days, it is exhausting."),
    ("en", "I don't want to be here at this party."),
    ("en", "We moved from Boston, MA to Denver last year."),
    ("en", "My counselor has an MA in psychology."),
    ("zh", "这几年我吃了很多药都没用。"),
    ("zh", "医生给我开了很多药。"),
]


@pytest.mark.parametrize(("language", "text"), PLAIN, ids=[text[:24] for _, text in PLAIN])
def test_plain_counseling_text_has_no_hits(language: str, text: str) -> None:
    assert screen_text(text) == []


def test_empty_text_has_no_hits() -> None:
    assert screen_text("") == []


def test_a_session_screened_at_once_has_the_hits_of_its_texts_one_by_one() -> None:
    texts = [text for _language, text, *_rest in FIXTURES] + [text for _language, text in PLAIN]
    # Sessions of a few texts each, hits and plain text mixed, plus an empty text and an
    # anchor or a number split across two texts, which must match in neither.
    sessions = [texts[start : start + 3] for start in range(0, len(texts), 3)]
    sessions += [["I want to", "kill myself"], ["call 555", "1234 now"], ["", "fine"], []]
    sessions += [[text] for _language, text in PLAIN]
    for session in sessions:
        assert screen_texts(session) == [screen_text(text) for text in session], session


@pytest.mark.parametrize(
    ("language", "text", "matched"),
    [
        ("en", "Have you had any thoughts of ending your life?", "ending your life"),
        ("en", "Have you ever hurt yourself on purpose?", "hurt yourself"),
        ("en", "Are you having thoughts of suicide right now?", "suicide"),
        ("zh", "你有没有想过伤害自己？", "伤害自己"),
        ("zh", "最近有过自杀的念头吗", "自杀"),
        ("en", "Have you thought about suicide, or about anything like it?", "suicide"),
    ],
)
def test_safety_questions_are_hits_framed_as_questions(language, text, matched) -> None:
    (hit,) = screen_text(text)
    assert (hit.kind, hit.matched_text, hit.framing) == ("crisis", matched, QUESTION)


@pytest.mark.parametrize(
    ("language", "text", "matched"),
    [
        ("en", "I would never hurt myself, I just feel stuck.", "hurt myself"),
        ("en", "I'm not suicidal.", "suicidal"),
        ("en", "I have never really thought about killing myself.", "killing myself"),
        ("en", "Client denies current suicidal ideation.", "suicidal"),
        ("en", "I've never tried or contemplated suicide.", "suicide"),
        ("zh", "我从来没有想过自杀。", "自杀"),
        ("zh", "我不会伤害自己的，你放心。", "伤害自己"),
    ],
)
def test_negations_are_hits_framed_as_negated(language, text, matched) -> None:
    (hit,) = screen_text(text)
    assert (hit.kind, hit.matched_text, hit.framing) == ("crisis", matched, NEGATED)


@pytest.mark.parametrize(
    "text",
    [
        "I can't stop thinking about killing myself.",
        "I don't know why, but I want to kill myself.",
        "I never said it before: I want to kill myself.",
    ],
)
def test_a_negation_that_does_not_govern_the_words_keeps_a_statement(text: str) -> None:
    (hit,) = screen_text(text)
    assert (hit.matched_text, hit.framing) == (
        "kill myself" if "kill " in text else "killing myself",
        STATEMENT,
    )


@pytest.mark.parametrize(
    "text",
    [
        "我甚至有过自杀的念头，心情非常糟糕，我该怎么办？",
        "I keep thinking about suicide, what should I do?",
    ],
)
def test_a_question_after_the_crisis_words_leaves_them_a_statement(text: str) -> None:
    (hit,) = screen_text(text)
    assert hit.framing == STATEMENT


def test_a_client_asking_is_still_a_question_but_the_hit_is_there() -> None:
    (hit,) = screen_text("Should I just kill myself?")
    assert (hit.category, hit.framing) == ("suicidal", QUESTION)


def test_resident_id_checksum_and_birth_date_are_verified() -> None:
    assert cn_id_valid("11010519491231002X")
    assert cn_id_valid("11010519491231002x")
    assert not cn_id_valid("110105194912310021")  # wrong check character
    assert not cn_id_valid("110105194913310027")  # month 13
    assert screen_text("身份证号110105194912310021。") == []


def test_an_eighteen_digit_number_with_a_bad_checksum_is_not_a_phone_either() -> None:
    assert screen_text("订单号 110105194912310021 已发货") == []


def test_several_hits_come_in_order_of_position_and_do_not_nest() -> None:
    text = "My name is Anna Lee, email anna@example.com, and I was raped last year."
    hits = screen_text(text)
    assert [(hit.category, hit.matched_text) for hit in hits] == [
        ("name", "Anna Lee"),
        ("email", "anna@example.com"),
        ("abuse", "was raped"),
    ]


def test_a_url_does_not_take_the_full_stop_after_it() -> None:
    (hit,) = screen_text("My page is https://example.com/me.")
    assert hit.matched_text == "https://example.com/me"


def test_chinese_sessions_also_catch_english_words() -> None:
    hits = screen_text("他说 I want to kill myself，我很担心。")
    assert [(hit.category, hit.matched_text) for hit in hits] == [("suicidal", "kill myself")]


def test_markup_in_the_text_is_reported_as_written() -> None:
    text = "<b>I want to kill myself</b><script>x()</script>"
    (hit,) = screen_text(text)
    assert (hit.start, hit.matched_text) == (text.index("kill"), "kill myself")


def test_hits_are_frozen() -> None:
    (hit,) = screen_text("I want to kill myself.")
    assert isinstance(hit, Hit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.category = "other"  # type: ignore[misc]


def test_every_rule_can_fire() -> None:
    """Anchors are matched against the lower-cased text, so one with a capital never fires."""
    for rule in RULES:
        assert all(anchor == anchor.lower() and anchor for anchor in rule.anchors), rule
        assert rule.kind in ("crisis", "pii")
        assert rule.category in (*CRISIS_CATEGORIES, *PII_CATEGORIES)


# Each turn is screened by the rules of every script in it, whatever the session's language.
MIXED = [
    ("en", "我不想活了。", "suicidal", "不想活"),
    ("en", "Honestly 我不想活了, I am so tired.", "suicidal", "不想活"),
    ("en", "He said 我想割腕 last night.", "self_harm", "割腕"),
    ("en", "When he drinks, 老公经常打我.", "abuse", "老公经常打我"),
    ("en", "I told her 我叫李明 on the phone.", "name", "李明"),
    ("en", "I live at 北京市朝阳区建国路88号 now.", "address", "北京市朝阳区建国路88号"),
    ("zh", "他说 I want to kill myself，我很担心。", "suicidal", "kill myself"),
    ("zh", "我男朋友说 my stepfather hits me 是小事。", "abuse", "my stepfather hits me"),
    ("zh", "我的英文名是 call me Sam。", "name", "Sam"),
]


@pytest.mark.parametrize(
    ("language", "text", "category", "matched"), MIXED, ids=[text[:20] for _, text, _, _ in MIXED]
)
def test_the_rules_of_every_script_in_a_turn_run(
    language: str, text: str, category: str, matched: str
) -> None:
    hits = screen_text(text)
    assert [(hit.category, hit.matched_text) for hit in hits] == [(category, matched)]
    (hit,) = hits
    assert text[hit.start : hit.end] == matched


def test_a_rules_anchors_are_written_in_its_script() -> None:
    """Every turn runs every rule, gated by anchors: a Han character must be what brings in
    the Chinese rules and a Latin letter the English ones, so no anchor may be in neither."""
    han = re.compile(r"[\u3400-\u9fff]")
    latin = re.compile(r"[a-z]")
    for rule in RULES:
        if rule.script == "zh":
            assert all(han.search(anchor) for anchor in rule.anchors), rule
        elif rule.script == "en" and rule.anchors != NUMBERS:
            assert all(latin.search(anchor) for anchor in rule.anchors), rule
