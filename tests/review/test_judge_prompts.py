"""Prompt templates: what the judge reads, in both languages, and the hashes that pin it."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from review.judges import JudgeCriterion, JudgeRubric, JudgeTurn, ScoreRequest
from review.judges.inputs import JudgeInputError
from review.judges.prompts import (
    PROMPTS_DIR,
    PromptTemplateError,
    pairwise_prompt_render,
    score_prompt_render,
    template_load,
)
from tests.review.judge_material import UNDERSTANDING_ANCHORS, pair_request, score_request

# A stored answer names its template by hash. Editing a released template in place would make
# old answers point at text nobody can reproduce, so these are pinned: change the wording by
# adding a v2 file, never by editing v1.
RELEASED_TEMPLATES = {
    "score_v1.en.txt": "257d7f9b62b5dd8902597e57ac58057dcc099157b09fad5e6d3d71d0680b5e29",
    "score_v1.zh.txt": "72fbbcec523b26c82a8755a67e37532aba83aa56476358ea46797a2c1821d380",
    "pairwise_v1.en.txt": "0262365fc5537250b74befabeacc9af7235878213dba489ef79f5f5ad16e0b11",
    "pairwise_v1.zh.txt": "8db306bdf20decf3277219e80b2161a7705e0ecd33b7743ffc79d7ac9b2769d3",
}


@pytest.mark.parametrize(("name", "digest"), RELEASED_TEMPLATES.items())
def test_released_templates_are_unchanged(name, digest):
    assert hashlib.sha256((PROMPTS_DIR / name).read_bytes()).hexdigest() == digest
    kind, rest = name.split("_", 1)
    version, language, _ = rest.split(".")
    assert template_load(kind=kind, version=version, language=language).template_hash == digest


def test_english_score_prompt_carries_every_criterion_anchor_and_turn():
    prompt = score_prompt_render(request=score_request(), version="v1", language="en")
    system, user = (message["content"] for message in prompt.messages)

    assert "licensed psychologists" in system
    assert "Session skills (test) (version 2)" in user
    assert "whole session" in user
    for code in ("understanding", "collaboration", "homework"):
        assert f"[{code}]" in user
    for score, text in UNDERSTANDING_ANCHORS.items():
        assert f"  {score}: {text}" in user
    assert "Scale: an integer from 0 to 6" in user
    # Only the criterion that allows "not applicable" says null is accepted.
    assert user.count("give null and say why") == 1
    assert user.count("null is not accepted") == 2
    assert "[1] Client: I keep thinking I will fail the exam" in user
    assert "[4] Counselor: Shall we look at what evidence" in user
    assert '"rationales"' in user


def test_chinese_score_prompt_uses_chinese_instructions_and_speaker_labels():
    prompt = score_prompt_render(request=score_request(), version="v1", language="zh")
    system, user = (message["content"] for message in prompt.messages)

    assert "持证心理咨询师" in system
    assert "评分条目" in user
    assert "[1] 来访者：I keep thinking" in user
    assert "[2] 咨询师：It sounds like" in user
    assert "量表：0 到 6 之间的整数" in user
    for score, text in UNDERSTANDING_ANCHORS.items():
        assert f"  {score}：{text}" in user
    assert "Rate every criterion" not in user


def test_binary_and_stepped_scales_are_described_as_their_allowed_values():
    rubric = JudgeRubric(
        code="r",
        version="1",
        title="Checks",
        scope="session",
        criteria=(
            JudgeCriterion(
                code="1.1", title="Basics", description="Background is reflected.", scale="binary"
            ),
            JudgeCriterion(
                code="odd",
                title="Odd",
                description="Odd levels only.",
                minimum=1,
                maximum=5,
                step=2,
            ),
        ),
    )
    request = ScoreRequest(key="k", rubric=rubric, turns=(JudgeTurn("client", "hello"),))
    prompt = score_prompt_render(request=request, version="v1", language="en")
    user = prompt.messages[1]["content"]

    assert "1 if the criterion is met, 0 if it is not" in user
    assert "one of 1, 3, 5" in user
    assert prompt.schema["properties"]["scores"]["properties"]["1.1"]["enum"] == [0, 1]
    assert prompt.schema["properties"]["scores"]["properties"]["odd"]["enum"] == [1, 3, 5]


def test_turn_scoped_rubric_marks_the_turn_to_rate():
    rubric = replace(score_request().rubric, scope="counselor_turn")
    request = ScoreRequest(key="k", rubric=rubric, turns=score_request().turns, target_turn=1)
    user = score_prompt_render(request=request, version="v1", language="en").messages[1]["content"]

    assert "Rate only the counselor turn marked with >>>" in user
    assert ">>> [2] Counselor: It sounds like" in user
    assert ">>> [4]" not in user


def test_turn_scoped_rubric_without_a_target_turn_is_refused():
    rubric = replace(score_request().rubric, scope="counselor_turn")
    with pytest.raises(JudgeInputError, match="needs target_turn between 0 and 3"):
        ScoreRequest(key="item-9", rubric=rubric, turns=score_request().turns)


def test_schema_is_strict_and_allows_null_only_where_the_rubric_does():
    schema = score_prompt_render(request=score_request(), version="v1", language="en").schema
    scores = schema["properties"]["scores"]

    assert schema["additionalProperties"] is False
    assert scores["additionalProperties"] is False
    assert scores["required"] == ["understanding", "collaboration", "homework"]
    assert scores["properties"]["understanding"] == {
        "type": "integer",
        "enum": [0, 1, 2, 3, 4, 5, 6],
    }
    assert scores["properties"]["homework"]["enum"][-1] is None


def test_prompt_hash_is_stable_and_follows_the_content():
    first = score_prompt_render(request=score_request(), version="v1", language="en")
    again = score_prompt_render(request=score_request(), version="v1", language="en")
    assert first.prompt_hash == again.prompt_hash

    rubric = score_request().rubric
    edited = replace(rubric.criteria[0], anchors={**UNDERSTANDING_ANCHORS, 6: "Different words."})
    changed_request = replace(
        score_request(), rubric=replace(rubric, criteria=(edited, *rubric.criteria[1:]))
    )
    changed = score_prompt_render(request=changed_request, version="v1", language="en")
    assert changed.prompt_hash != first.prompt_hash
    assert changed.template_hash == first.template_hash

    chinese = score_prompt_render(request=score_request(), version="v1", language="zh")
    assert chinese.template_hash != first.template_hash


def test_dialogue_text_cannot_inject_template_placeholders():
    request = score_request(text_marker="$criteria ${json_shape} $$")
    user = score_prompt_render(request=request, version="v1", language="en").messages[1]["content"]
    assert "for that prediction? $criteria ${json_shape} $$" in user


@pytest.mark.parametrize("language", ["en", "zh"])
def test_pairwise_prompt_shows_both_responses_and_asks_per_principle(language):
    prompt = pairwise_prompt_render(request=pair_request(), version="v1", language=language)
    user = prompt.messages[1]["content"]

    assert "BEGIN RESPONSE A\nGOOD: That thought sounds heavy" in user
    assert "BEGIN RESPONSE B\nBAD: Just study harder" in user
    assert "[empathy] Empathy" in user
    assert "[safety] Safety" in user
    assert prompt.schema["properties"]["choice"]["enum"] == ["A", "B", "tie", "both_bad"]
    assert prompt.schema["properties"]["preferences"]["required"] == ["empathy", "safety"]


def test_pairwise_prompt_without_principles_asks_only_for_a_choice():
    prompt = pairwise_prompt_render(
        request=replace(pair_request(), rubric=None), version="v1", language="en"
    )
    assert "preferences" not in prompt.schema["properties"]
    assert "principles" not in prompt.messages[1]["content"]


def test_unknown_prompt_version_names_the_missing_file():
    with pytest.raises(PromptTemplateError, match=r"no prompt template score_v9\.en\.txt"):
        score_prompt_render(request=score_request(), version="v9", language="en")
