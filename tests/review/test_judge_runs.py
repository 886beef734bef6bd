"""Judge runs: requests in flight, cancellation, mixed faults, and both-orders pairwise."""

from __future__ import annotations

import json
import time

import pytest

from review.judges import (
    judge_client,
    judge_many,
    judge_pair,
    pairwise_both_orders,
    pairwise_combine,
)
from tests.review.judge_material import pair_request, score_request
from tests.review.judge_server import (
    Fail,
    Reply,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
    settings_for,
)

pytestmark = pytest.mark.usefixtures("judge_key")


def requests(count):
    return [score_request(key=f"item-{n}", text_marker=f"[item-{n}]") for n in range(count)]


def test_a_run_keeps_the_configured_number_of_calls_in_flight(judge_server):
    judge_server.default_delay_s = 0.3
    answers = []
    summary = judge_many(
        settings=settings_for(judge_server, concurrency=4),
        requests=requests(12),
        on_answer=answers.append,
    )

    assert judge_server.max_in_flight == 4
    assert sorted(a.key for a in answers) == sorted(f"item-{n}" for n in range(12))
    assert summary.answered == 12
    assert summary.by_status == {"ok": 12}
    assert summary.prompt_tokens == 12 * 120
    # Three waves of four, not twelve calls one after another.
    assert summary.elapsed_s < 12 * 0.3 / 2


def test_faults_are_recorded_per_item_and_the_run_goes_on(judge_server):
    judge_server.script(Reply(content="not json at all"), marker="[item-1]")
    judge_server.script(Reply(refusal="I won't rate this."), marker="[item-2]")
    judge_server.script(Fail(400, message="bad request"), marker="[item-3]")
    judge_server.script(Fail(500), Reply(content=None), marker="[item-4]")
    answers = {}
    summary = judge_many(
        settings=settings_for(judge_server),
        requests=requests(6),
        on_answer=lambda answer: answers.__setitem__(answer.key, answer),
    )

    statuses = {key: answer.status for key, answer in answers.items()}
    assert statuses == {
        "item-0": "ok",
        "item-1": "unparsable",
        "item-2": "refused",
        "item-3": "error",
        "item-4": "ok",
        "item-5": "ok",
    }
    assert answers["item-1"].raw_text == "not json at all"
    assert answers["item-2"].raw_text == "I won't rate this."
    for key in ("item-1", "item-2", "item-3"):
        assert answers[key].scores == {}
    assert summary.by_status == {"ok": 3, "unparsable": 1, "refused": 1, "error": 1}


def test_cancelling_stops_new_calls_and_delivers_those_in_flight(judge_server):
    judge_server.default_delay_s = 0.2
    answers = []
    summary = judge_many(
        settings=settings_for(judge_server, concurrency=2),
        requests=requests(40),
        on_answer=answers.append,
        should_stop=lambda: len(answers) >= 3,
        stop_poll_s=0.05,
    )
    sent = len(judge_server.requests)
    time.sleep(0.5)

    assert summary.stopped is True
    assert 3 <= len(answers) <= 5
    # Nothing was sent after the stop, and nothing sent was lost.
    assert len(judge_server.requests) == sent == len(answers)


def test_cancelling_during_a_retry_pause_does_not_wait_it_out(judge_server):
    judge_server.script(Fail(429, retry_after="30"), marker="[item-0]")
    started = time.monotonic()
    answers = []
    summary = judge_many(
        settings=settings_for(judge_server, concurrency=2),
        requests=requests(2),
        on_answer=answers.append,
        should_stop=lambda: time.monotonic() - started > 0.3,
        stop_poll_s=0.05,
    )

    assert time.monotonic() - started < 5
    assert [a.key for a in answers] == ["item-1"]
    # The rate-limited item has no answer, so a resumed run asks again.
    assert summary.abandoned == 1


def test_an_error_while_saving_an_answer_ends_the_run(judge_server):
    judge_server.default_delay_s = 0.05

    def on_answer(answer):
        raise RuntimeError("database is gone")

    with pytest.raises(RuntimeError, match="database is gone"):
        judge_many(settings=settings_for(judge_server), requests=requests(20), on_answer=on_answer)
    assert len(judge_server.requests) < 20


def favour_first_position(body):
    return Reply(content=json.dumps({"choice": "A", "rationale": "first is better"}))


def favour_good_response(body):
    user = body["messages"][1]["content"]
    good_first = user.index("GOOD:") < user.index("BAD:")
    better = "A" if good_first else "B"
    worse = "B" if good_first else "A"
    verdict = {
        "choice": better,
        "rationale": "validates the feeling",
        "preferences": {"empathy": better, "safety": "tie"},
    }
    if not good_first:
        verdict["preferences"]["safety"] = worse
    return Reply(content=json.dumps(verdict))


def test_pairwise_both_orders_agree_and_map_back_to_original_labels(judge_server):
    judge_server.responder = favour_good_response
    outcome = judge_pair(settings=settings_for(judge_server), request=pair_request())

    shown_first = [
        r.body["messages"][1]["content"].split("BEGIN RESPONSE A\n")[1][:4]
        for r in judge_server.requests
    ]
    assert sorted(shown_first) == ["BAD:", "GOOD"]
    assert outcome.forward.choice == "A"
    assert outcome.reverse.choice == "B"
    assert outcome.reverse_choice == "A"
    assert outcome.position_consistent is True
    assert outcome.choice == "A"
    assert outcome.reverse_preferences == {"empathy": "A", "safety": "B"}


def test_a_judge_that_favours_a_position_is_flagged_inconsistent(judge_server):
    judge_server.responder = favour_first_position
    outcome = judge_pair(settings=settings_for(judge_server), request=pair_request())

    assert outcome.forward.choice == outcome.reverse.choice == "A"
    assert outcome.reverse_choice == "B"
    assert outcome.position_consistent is False
    assert outcome.choice is None


def test_a_failed_order_leaves_consistency_unknown(judge_server):
    judge_server.responder = favour_first_position
    judge_server.script(Reply(content="A, clearly."))
    outcome = judge_pair(settings=settings_for(judge_server, concurrency=1), request=pair_request())

    assert outcome.forward.status == "unparsable"
    assert outcome.forward.choice is None
    assert outcome.position_consistent is None


def test_many_pairs_share_one_run_and_combine_by_key(judge_server):
    judge_server.responder = favour_good_response
    pairs = [pair_request(key=f"pair-{n}") for n in range(3)]
    answers = {}
    judge_many(
        settings=settings_for(judge_server),
        requests=[r for pair in pairs for r in pairwise_both_orders(pair)],
        on_answer=lambda a: answers.__setitem__((a.key, a.swapped), a),
        client=judge_client(settings_for(judge_server)),
    )
    outcomes = [
        pairwise_combine(forward=answers[(p.key, False)], reverse=answers[(p.key, True)])
        for p in pairs
    ]
    assert [o.choice for o in outcomes] == ["A", "A", "A"]
    with pytest.raises(ValueError, match="forward and swapped answers of one pair"):
        pairwise_combine(forward=answers[("pair-0", False)], reverse=answers[("pair-1", True)])
