"""Reading answers and configuring judges, without a server: the rules a score must pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from review.judges import JudgeConfigError, JudgeSettings
from review.judges.calling import retry_after_seconds
from review.judges.parsing import (
    AnswerInvalid,
    json_extract,
    looks_like_refusal,
    pairwise_verdict_read,
    score_verdict_read,
)
from tests.review.judge_material import principles_rubric, session_rubric

GOOD = {"scores": {"understanding": 4, "collaboration": 3, "homework": None}, "rationales": {}}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(GOOD),
        "```json\n" + json.dumps(GOOD) + "\n```",
        "Here is my rating.\n```\n" + json.dumps(GOOD, indent=2) + "\n```\nThanks.",
        "My assessment: " + json.dumps(GOOD) + " I hope this helps.",
        # The same object twice (echoed in a fence and in prose) is not ambiguous.
        json.dumps(GOOD) + "\n```json\n" + json.dumps(GOOD) + "\n```",
    ],
)
def test_the_one_json_object_is_found_however_it_is_wrapped(text):
    assert json_extract(text) == GOOD


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("The counselor did well overall; I would give a 5.", "no JSON object"),
        ("{'scores': {'understanding': 4}}", "no JSON object"),
        ('{"scores": {"understanding": 4,}}', "no JSON object"),
        ('{"scores": {"understanding": 4', "no JSON object"),
        ("[4, 3, 2]", "not an object"),
        ('First {"choice": "A"} then again {"choice": "B"}', "2 different JSON objects"),
    ],
)
def test_unreadable_or_ambiguous_text_is_rejected_not_repaired(text, reason):
    with pytest.raises(AnswerInvalid, match=reason):
        json_extract(text)


@pytest.mark.parametrize(
    ("scores", "reason"),
    [
        (
            {"understanding": 7, "collaboration": 3, "homework": 1},
            "understanding: 7 is not on its scale",
        ),
        (
            {"understanding": -1, "collaboration": 3, "homework": 1},
            "understanding: -1 is not on its scale",
        ),
        (
            {"understanding": 4.5, "collaboration": 3, "homework": 1},
            "understanding: 4.5 is not an integer",
        ),
        (
            {"understanding": "4", "collaboration": 3, "homework": 1},
            'understanding: "4" is not an integer',
        ),
        (
            {"understanding": True, "collaboration": 3, "homework": 1},
            "understanding: true is not an integer",
        ),
        ({"understanding": None, "collaboration": 3, "homework": 1}, "understanding: null, but"),
        ({"collaboration": 3, "homework": 1}, "understanding: no score"),
        (
            {"understanding": 4, "collaboration": 3, "homework": 1, "agenda": 2},
            "not in the rubric: agenda",
        ),
    ],
)
def test_a_score_off_the_scale_invalidates_the_answer_and_is_never_clamped(scores, reason):
    with pytest.raises(AnswerInvalid, match=reason):
        score_verdict_read(data={"scores": scores}, rubric=session_rubric())


def test_null_is_accepted_where_the_criterion_allows_not_applicable():
    verdict = score_verdict_read(data=GOOD, rubric=session_rubric())
    assert verdict.scores == {"understanding": 4, "collaboration": 3, "homework": None}


def test_every_problem_is_listed_at_once():
    bad = {"scores": {"understanding": 9, "collaboration": "high", "homework": 1}}
    with pytest.raises(AnswerInvalid) as caught:
        score_verdict_read(data=bad, rubric=session_rubric())
    assert "understanding: 9" in str(caught.value)
    assert 'collaboration: "high"' in str(caught.value)


def test_pairwise_choice_and_preferences_are_checked():
    verdict = pairwise_verdict_read(
        data={
            "choice": "B",
            "rationale": "kinder",
            "preferences": {"empathy": "B", "safety": "tie"},
        },
        rubric=principles_rubric(),
    )
    assert (verdict.choice, verdict.preferences) == ("B", {"empathy": "B", "safety": "tie"})
    with pytest.raises(AnswerInvalid, match='choice "response A" is not one of'):
        pairwise_verdict_read(data={"choice": "response A"}, rubric=principles_rubric())
    with pytest.raises(AnswerInvalid, match="preference for empathy is 'both'"):
        pairwise_verdict_read(
            data={"choice": "A", "preferences": {"empathy": "both"}}, rubric=principles_rubric()
        )
    with pytest.raises(AnswerInvalid, match="humour, which is not a principle"):
        pairwise_verdict_read(
            data={"choice": "A", "preferences": {"humour": "A"}}, rubric=principles_rubric()
        )


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("I'm sorry, but I can't help with rating this conversation.", True),
        ("I cannot assist with that request.", True),
        ("As an AI, I am not able to make clinical judgements.", True),
        ("抱歉，我无法对这段对话进行评分。", True),
        ("The counselor did well; I would give it a 5.", False),
        ("Scores follow below.", False),
    ],
)
def test_refusal_wording_is_recognised_in_both_languages(text, refusal):
    assert looks_like_refusal(text) is refusal


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "Mon, 23 Nov 2026 10:00:20 GMT"}, 20.0),
        ({"retry-after": "Mon, 23 Nov 2026 09:59:00 GMT"}, 0.0),
        ({"retry-after": "3600"}, 60.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date_and_capped(headers, seconds):
    now = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(headers, cap_s=60.0, now=now) == seconds


def _settings(**overrides):
    values = {
        "name": "j",
        "base_url": "http://127.0.0.1:9/v1",
        "model": "m",
        "api_key_name": "nosuch",
    }
    return JudgeSettings(**{**values, **overrides})


def test_a_key_the_operator_did_not_configure_is_refused_and_no_key_is_stored(settings):
    settings.JUDGE_API_KEYS = {}
    judge = _settings()
    with pytest.raises(JudgeConfigError, match="not one of the keys"):
        judge.api_key()
    settings.JUDGE_API_KEYS = {"nosuch": "sk-live-secret"}
    assert judge.api_key() == "sk-live-secret"
    assert "sk-live-secret" not in repr(judge)
    assert _settings(api_key_name="").api_key() == ""


def test_bad_settings_are_reported_together():
    with pytest.raises(JudgeConfigError) as caught:
        _settings(base_url="localhost:8000", concurrency=0, language="fr")
    message = str(caught.value)
    assert "base_url 'localhost:8000' is not an http(s) URL" in message
    assert "concurrency must be at least 1" in message
    assert "language must be one of en, zh" in message


def test_fingerprint_follows_what_changes_answers_not_how_they_are_fetched():
    base = _settings()
    assert base.fingerprint() == _settings(concurrency=16, timeout_s=5, max_retries=0).fingerprint()
    assert base.fingerprint() != _settings(model="other").fingerprint()
    assert base.fingerprint() != _settings(temperature=0.7).fingerprint()
    assert base.fingerprint() != _settings(language="zh").fingerprint()
    assert base.fingerprint() != _settings(prompt_version="v2").fingerprint()


def test_cost_is_tokens_times_the_price_per_thousand():
    settings = _settings(
        price_prompt_per_1k=Decimal("0.0025"), price_completion_per_1k=Decimal("0.01")
    )
    assert settings.cost(prompt_tokens=2000, completion_tokens=500) == Decimal("0.01")
