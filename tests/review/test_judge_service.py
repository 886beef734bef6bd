"""Judge runs on the database: faults are recorded, and reruns reuse earlier answers."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import Job
from review.models import JudgeResult, JudgeRun
from review.services.judging import JudgeRunError, judge_run_execute, judge_run_start
from tests.factories import ProjectFactory, member
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_server import (
    Fail,
    Reply,
    Stall,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("judge_key")]


def _marked(server, marker):
    return [r for r in server.requests if marker in str(r.body["messages"])]


def test_a_run_survives_every_fault_and_a_rerun_asks_only_what_failed(
    judge_server, django_capture_on_commit_callbacks
):
    project = ProjectFactory(slug="clinic")
    lead = member(project, "lead")
    _rubric, items, pairs = judged_project(project)
    config = judge_config(project, judge_server)
    judge_server.script(Reply(content='{"scores": {"warmth": 3,'), marker="[item-1]")
    judge_server.script(Reply(refusal="I can't assess this conversation."), marker="[item-2]")
    judge_server.script(Fail(429, retry_after="1"), marker="[item-3]")
    judge_server.script(Fail(500), Fail(500), Fail(500), marker="[item-4]")
    judge_server.script(Stall(3), Stall(3), Stall(3), marker="[item-5]")

    with django_capture_on_commit_callbacks(execute=True):
        run = judge_run_start(config=config, user=lead)
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)

    assert job.status == Job.Status.SUCCEEDED, job.error_report
    assert run.status == JudgeRun.Status.SUCCEEDED
    assert (run.n_requests, run.n_reused, run.n_called) == (8, 0, 8)
    assert (run.n_ok, run.n_unparsable, run.n_refused, run.n_error) == (4, 1, 1, 2)
    assert (job.progress_done, job.progress_total) == (8, 8)
    results = {(r.item_id, r.order): r for r in JudgeResult.objects.filter(config=config)}
    unparsable = results[(items[1].pk, "")]
    assert unparsable.status == "unparsable"
    assert unparsable.raw_text == '{"scores": {"warmth": 3,'
    assert unparsable.scores == {}
    refused = results[(items[2].pk, "")]
    assert (refused.status, refused.raw_text, refused.scores) == (
        "refused",
        "I can't assess this conversation.",
        {},
    )
    waited = results[(items[3].pk, "")]
    assert waited.status == "ok"
    assert [a["outcome"] for a in waited.attempts] == ["http 429", "answered"]
    assert waited.attempts[0]["waited_s"] == 1.0
    assert waited.scores == {"warmth": 0, "structure": 0}
    assert results[(items[4].pk, "")].status == "error"
    assert "HTTP 500" in results[(items[4].pk, "")].error
    assert results[(items[5].pk, "")].status == "error"
    assert "no answer within 0.5 s" in results[(items[5].pk, "")].error
    assert results[(pairs[0].pk, "ab")].choice == "a"
    # The judge always says "A": shown B first, that is the item's b.
    assert results[(pairs[0].pk, "ba")].choice == "b"
    assert run.prompt_tokens == 120 * (4 + 2)
    assert run.completion_tokens == 30 * 6
    assert run.cost == Decimal("0.0126")

    asked = len(judge_server.requests)
    with django_capture_on_commit_callbacks(execute=True):
        rerun = judge_run_start(config=config, user=lead)
    rerun.refresh_from_db()

    new = judge_server.requests[asked:]
    assert len(new) == 2
    assert {("[item-4]" in str(r.body)) or ("[item-5]" in str(r.body)) for r in new} == {True}
    assert (rerun.n_reused, rerun.n_called, rerun.n_ok) == (6, 2, 2)
    assert JudgeResult.objects.filter(config=config).count() == 8

    asked = len(judge_server.requests)
    with django_capture_on_commit_callbacks(execute=True):
        third = judge_run_start(config=config, user=lead)
    third.refresh_from_db()
    assert len(judge_server.requests) == asked
    assert (third.n_reused, third.n_called) == (8, 0)


def test_changing_the_model_asks_again(judge_server):
    project = ProjectFactory()
    judged_project(project, sessions=2, pairs=0)
    config = judge_config(project, judge_server)
    judge_run_execute(run=JudgeRun.objects.create(config=config))
    config.model = "judge-model-2"
    config.save()

    run = judge_run_execute(run=JudgeRun.objects.create(config=config))

    assert (run.n_reused, run.n_called) == (0, 2)
    assert len(judge_server.requests) == 4


def test_a_stopped_run_sends_no_new_request_and_is_marked_cancelled(judge_server):
    project = ProjectFactory()
    judged_project(project, sessions=8, pairs=0)
    config = judge_config(project, judge_server, concurrency=1)
    judge_server.default_delay_s = 0.05
    answers = []

    run = judge_run_execute(
        run=JudgeRun.objects.create(config=config),
        report=lambda done, total: answers.append(done),
        should_stop=lambda: len(answers) >= 3,
    )

    assert run.status == JudgeRun.Status.CANCELLED
    assert len(judge_server.requests) < 8
    assert JudgeResult.objects.filter(config=config).count() == len(judge_server.requests)


def test_a_key_the_operator_does_not_configure_refuses_to_start(judge_server, settings):
    project = ProjectFactory()
    lead = member(project, "lead")
    judged_project(project, sessions=1, pairs=0)
    config = judge_config(project, judge_server, api_key_name="nosuch")
    settings.JUDGE_API_KEYS = {"other": "sk-other"}

    with pytest.raises(JudgeRunError, match="not one of the keys"):
        judge_run_start(config=config, user=lead)
    assert not JudgeRun.objects.exists()
    assert judge_server.requests == []


def test_judge_run_command_shows_progress_and_a_summary(judge_server):
    project = ProjectFactory(slug="clinic")
    judged_project(project, sessions=3, pairs=1)
    judge_config(project, judge_server)
    out, err = StringIO(), StringIO()

    call_command("judge_run", "--project", "clinic", "--judge", "gpt-test", stdout=out, stderr=err)

    assert "[##############################] 5/5" in err.getvalue()
    assert "5 requests, 0 reused, 5 calls (5 answered" in out.getvalue()
    with pytest.raises(CommandError, match="No judge 'other' in project clinic"):
        call_command("judge_run", "--project", "clinic", "--judge", "other")


def test_an_item_the_prompt_cannot_be_built_from_fails_the_run_with_the_reason(judge_server):
    project = ProjectFactory()
    _rubric, _items, pairs = judged_project(project, sessions=1, pairs=1)
    pairs[0].candidate_b.text = "   "
    pairs[0].candidate_b.save()
    config = judge_config(project, judge_server)
    run = JudgeRun.objects.create(config=config)

    with pytest.raises(JudgeRunError, match="both responses must have text"):
        judge_run_execute(run=run)

    run.refresh_from_db()
    assert run.status == JudgeRun.Status.FAILED
    assert "both responses must have text" in run.error
    assert judge_server.requests == []
