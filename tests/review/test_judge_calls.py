"""One judge call through the real openai client against the scripted local server.

Every fault must end as a recorded answer with the raw text and the reason, never as a score.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from review.judges import JudgeConfigError, judge_call, judge_client
from tests.review.judge_material import score_request
from tests.review.judge_server import (
    KEY,
    Fail,
    Reply,
    Stall,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
    settings_for,
)

pytestmark = pytest.mark.usefixtures("judge_key")

GOOD = {
    "scores": {"understanding": 5, "collaboration": 3, "homework": None},
    "rationales": {"understanding": "Reflects the fear accurately.", "homework": "None set."},
}


def call(server, **overrides):
    settings = settings_for(server, **overrides)
    return judge_call(client=judge_client(settings), settings=settings, request=score_request())


def test_a_good_answer_gives_scores_and_records_what_was_asked(judge_server):
    judge_server.script(Reply(content=json.dumps(GOOD), prompt_tokens=1500, completion_tokens=200))
    answer = call(
        judge_server,
        temperature=0.2,
        price_prompt_per_1k=Decimal("0.002"),
        price_completion_per_1k=Decimal("0.01"),
    )

    assert answer.status == "ok"
    assert answer.scores == {"understanding": 5, "collaboration": 3, "homework": None}
    assert answer.rationales["understanding"] == "Reflects the fear accurately."
    assert (answer.prompt_tokens, answer.completion_tokens) == (1500, 200)
    assert answer.cost == Decimal("0.005")
    assert len(answer.attempts) == 1

    sent = judge_server.requests[0]
    assert sent.body["model"] == "judge-model-1"
    assert sent.body["temperature"] == 0.2
    assert sent.body["max_tokens"] == 400
    response_format = sent.body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    scores = response_format["json_schema"]["schema"]["properties"]["scores"]["properties"]
    assert scores["understanding"]["enum"] == [0, 1, 2, 3, 4, 5, 6]
    headers = {name.lower(): value for name, value in sent.headers.items()}
    assert headers["authorization"] == f"Bearer {KEY}"
    # The key travels to the endpoint and nowhere else.
    assert KEY not in repr(answer)


def test_without_json_schema_the_request_is_plain_and_a_fenced_answer_is_read(judge_server):
    judge_server.script(Reply(content="Here you go:\n```json\n" + json.dumps(GOOD) + "\n```"))
    answer = call(judge_server, use_json_schema=False)

    assert "response_format" not in judge_server.requests[0].body
    assert answer.status == "ok"
    assert answer.scores["understanding"] == 5


def test_malformed_json_is_unparsable_with_raw_text_and_no_score(judge_server):
    raw = '{"scores": {"understanding": 5, "collaboration": 3, "homework": null'
    judge_server.script(Reply(content=raw))
    answer = call(judge_server)

    assert answer.status == "unparsable"
    assert answer.raw_text == raw
    assert answer.scores == {}
    assert "no JSON object" in answer.error
    # A readable but wrong answer is not a transient fault: asking again is left to a lead.
    assert len(judge_server.requests) == 1


def test_a_score_off_the_scale_is_unparsable_not_clamped(judge_server):
    content = json.dumps({"scores": {"understanding": 8, "collaboration": 3, "homework": 2}})
    judge_server.script(Reply(content=content))
    answer = call(judge_server)

    assert answer.status == "unparsable"
    assert answer.scores == {}
    assert "understanding: 8 is not on its scale (0-6)" in answer.error
    assert answer.raw_text == content


def test_an_answer_cut_off_by_max_tokens_says_so(judge_server):
    judge_server.script(
        Reply(content='{"scores": {"understanding": 5, "coll', finish_reason="length")
    )
    answer = call(judge_server)

    assert answer.status == "unparsable"
    assert "cut off at max_tokens=400" in answer.error


def test_the_refusal_field_makes_a_refused_answer(judge_server):
    judge_server.script(Reply(refusal="I can't help with evaluating this material."))
    answer = call(judge_server)

    assert answer.status == "refused"
    assert answer.raw_text == "I can't help with evaluating this material."
    assert answer.scores == {}


def test_an_answer_stopped_by_the_content_filter_is_refused(judge_server):
    judge_server.script(Reply(content='{"scores": {"underst', finish_reason="content_filter"))
    answer = call(judge_server)

    assert answer.status == "refused"
    assert answer.raw_text == '{"scores": {"underst'
    assert "content filter" in answer.error


@pytest.mark.parametrize(
    "text", ["I'm sorry, but I can't rate this conversation.", "抱歉，我无法完成这个评分。"]
)
def test_refusal_wording_without_json_is_refused_not_unparsable(judge_server, text):
    judge_server.script(Reply(content=text))
    answer = call(judge_server)

    assert answer.status == "refused"
    assert answer.raw_text == text


def test_rate_limit_waits_for_retry_after_then_succeeds(judge_server):
    judge_server.script(Fail(429, retry_after="1"), Reply(content=json.dumps(GOOD)))
    answer = call(judge_server)

    assert answer.status == "ok"
    first, second = judge_server.requests
    assert second.received - first.finished >= 1.0
    assert [a.outcome for a in answer.attempts] == ["http 429", "answered"]
    assert answer.attempts[0].waited_s == 1.0


def test_a_long_retry_after_is_capped(judge_server):
    judge_server.script(Fail(429, retry_after="3600"), Reply(content=json.dumps(GOOD)))
    started = time.monotonic()
    answer = call(judge_server, max_retry_after_s=0.3)

    assert answer.status == "ok"
    assert answer.attempts[0].waited_s == 0.3
    assert time.monotonic() - started < 3


def test_server_errors_are_retried_with_growing_pauses(judge_server):
    judge_server.script(Fail(500), Fail(503), Reply(content=json.dumps(GOOD)))
    answer = call(judge_server, backoff_s=0.1, max_backoff_s=1.0)

    assert answer.status == "ok"
    assert [a.outcome for a in answer.attempts] == ["http 500", "http 503", "answered"]
    assert [a.waited_s for a in answer.attempts] == [0.1, 0.2, 0.0]
    first, second, third = judge_server.requests
    assert second.received - first.finished >= 0.1
    assert third.received - second.finished >= 0.2


def test_persistent_server_errors_end_as_an_error_answer(judge_server):
    judge_server.script(*[Fail(500, message="model overloaded")] * 3)
    answer = call(judge_server, max_retries=2)

    assert answer.status == "error"
    assert answer.scores == {}
    # The summary says what happened, never what the server wrote, which may be anything;
    # the raw body is kept for staff.
    assert answer.error == "HTTP 500 Internal Server Error (scripted) (after 3 attempts)"
    assert json.loads(answer.raw_text)["error"]["message"] == "model overloaded"
    assert len(judge_server.requests) == 3


def test_a_client_error_is_not_retried(judge_server):
    judge_server.script(Fail(400, message="response_format json_schema is not supported"))
    answer = call(judge_server)

    assert answer.status == "error"
    assert answer.error == "HTTP 400 Bad Request (scripted) (after 1 attempt)"
    # The server's words stay in the raw answer, which only staff are shown.
    assert "json_schema is not supported" in answer.raw_text
    assert len(judge_server.requests) == 1


def test_a_timeout_is_retried_then_recorded_as_an_error(judge_server):
    judge_server.script(Stall(5), Stall(5))
    started = time.monotonic()
    answer = call(judge_server, timeout_s=0.4, max_retries=1)

    assert answer.status == "error"
    assert answer.error == "no answer within 0.4 s (after 2 attempts)"
    assert [a.outcome for a in answer.attempts] == ["timeout", "timeout"]
    assert len(judge_server.requests) == 2
    assert time.monotonic() - started < 3


def test_a_timeout_followed_by_an_answer_recovers(judge_server):
    judge_server.script(Stall(5), Reply(content=json.dumps(GOOD)))
    answer = call(judge_server, timeout_s=0.4)

    assert answer.status == "ok"
    assert [a.outcome for a in answer.attempts] == ["timeout", "answered"]


def test_a_key_the_operator_removed_stops_before_anything_is_sent(judge_server, settings):
    settings.JUDGE_API_KEYS = {}
    with pytest.raises(JudgeConfigError, match="not one of the keys"):
        judge_client(settings_for(judge_server))
    assert judge_server.requests == []


def test_every_answer_names_its_prompt_and_configuration(judge_server):
    first = call(judge_server)
    second = call(judge_server, concurrency=9)
    other_model = call(judge_server, model="judge-model-2")

    assert first.status == second.status == "ok"
    assert first.prompt_hash == second.prompt_hash == other_model.prompt_hash
    assert first.settings_fingerprint == second.settings_fingerprint
    assert first.settings_fingerprint != other_model.settings_fingerprint
    assert first.prompt_version == "v1"
    assert len(first.template_hash) == 64
