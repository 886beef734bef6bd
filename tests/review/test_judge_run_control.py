"""Starting, refusing, cancelling and interrupting judge runs, wherever they are started from."""

from __future__ import annotations

from dataclasses import replace
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Job
from review.models import JudgeResult, JudgeRun
from review.selectors.judge_questions import judge_questions
from review.services import judging
from review.services.judging import JudgeRunBusy, judge_run_start
from tests.conftest import client_for
from tests.factories import ProjectFactory, member
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_server import (
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("judge_key")]


@pytest.fixture
def clinic(judge_server):
    project = ProjectFactory(slug="clinic")
    lead = member(project, "lead")
    _rubric, items, _pairs = judged_project(project, sessions=3, pairs=1)
    config = judge_config(project, judge_server)
    return {"project": project, "lead": lead, "config": config, "items": items}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_second_run_is_refused_while_the_first_is_queued(clinic):
    first = judge_run_start(config=clinic["config"], user=clinic["lead"])

    with pytest.raises(JudgeRunBusy, match=f"Run {first.pk} of judge gpt-test is still queued"):
        judge_run_start(config=clinic["config"], user=clinic["lead"])
    assert JudgeRun.objects.filter(config=clinic["config"]).count() == 1


def test_the_browser_says_a_run_is_already_under_way(clinic):
    client = client_for(clinic["lead"])
    url = reverse("review:judge_run", args=["clinic", clinic["config"].pk])

    client.post(url)
    page = client.post(url, follow=True).content.decode()

    assert "is still queued" in page
    assert JudgeRun.objects.filter(config=clinic["config"]).count() == 1


def test_the_api_answers_409_while_a_run_is_under_way(clinic):
    url = reverse("api_judge_run_start", args=["clinic", clinic["config"].pk])
    api = api_for(clinic["lead"])

    assert api.post(url).status_code == 202
    second = api.post(url)

    assert second.status_code == 409
    assert "still queued" in second.json()["detail"]


def test_the_command_refuses_while_a_run_is_under_way(clinic):
    judge_run_start(config=clinic["config"], user=clinic["lead"])

    with pytest.raises(CommandError, match="still queued"):
        call_command("judge_run", "--project", "clinic", "--judge", "gpt-test", stderr=StringIO())


def test_a_run_cancelled_while_queued_through_the_job_api_shows_cancelled(clinic):
    run = judge_run_start(config=clinic["config"], user=clinic["lead"])
    api = api_for(clinic["lead"])

    assert api.post(reverse("api_job_cancel", args=[run.job_id])).status_code == 202

    answer = api.get(reverse("api_judge_run", args=["clinic", run.pk])).json()
    assert answer["status"] == "cancelled"
    assert answer["finished_at"] is not None
    page = client_for(clinic["lead"]).get(
        reverse("review:judge_detail", args=["clinic", clinic["config"].pk])
    )
    assert "Cancelled" in page.content.decode()
    # Nothing is under way any more, so a new run may start.
    assert judge_run_start(config=clinic["config"], user=clinic["lead"]).pk != run.pk


def test_a_queued_run_is_cancelled_from_the_browser(clinic):
    run = judge_run_start(config=clinic["config"], user=clinic["lead"])

    client_for(clinic["lead"]).post(reverse("review:judge_run_cancel", args=["clinic", run.pk]))

    run.refresh_from_db()
    assert run.status == JudgeRun.Status.CANCELLED
    assert Job.objects.get(pk=run.job_id).status == Job.Status.CANCELLED


def test_an_answer_stored_meanwhile_by_another_process_does_not_crash_the_run(clinic, monkeypatch):
    config = clinic["config"]
    real_judge_many = judging.judge_many

    def racing_judge_many(*, settings, requests, on_answer, should_stop):
        # Another process stores the first question's answer after this run decided to ask.
        question = next(
            q
            for q in judge_questions(config=config, settings=settings)
            if q.request.key == requests[0].key
        )
        JudgeResult.objects.create(
            config=config,
            item=question.item,
            order=question.order,
            fingerprint=question.fingerprint,
            settings_fingerprint=settings.fingerprint(),
            prompt_version=question.prompt_version,
            prompt_hash=question.prompt_hash,
            status=JudgeResult.Status.ERROR,
        )
        return real_judge_many(
            settings=settings, requests=requests, on_answer=on_answer, should_stop=should_stop
        )

    monkeypatch.setattr(judging, "judge_many", racing_judge_many)
    out = StringIO()
    call_command(
        "judge_run", "--project", "clinic", "--judge", "gpt-test", stdout=out, stderr=StringIO()
    )

    run = JudgeRun.objects.get(config=config)
    assert run.status == JudgeRun.Status.SUCCEEDED
    assert run.n_called == 5
    results = JudgeResult.objects.filter(config=config)
    assert results.count() == 5
    assert set(results.values_list("status", flat=True)) == {"ok"}


def test_ctrl_c_keeps_the_counters_and_the_finish_time(clinic, monkeypatch):
    real_judge_many = judging.judge_many

    def interrupted_judge_many(*, settings, requests, on_answer, should_stop):
        seen = []

        def answer_then_interrupt(answer):
            on_answer(answer)
            seen.append(answer)
            if len(seen) == 2:
                raise KeyboardInterrupt

        return real_judge_many(
            settings=replace(settings, concurrency=1),
            requests=requests,
            on_answer=answer_then_interrupt,
            should_stop=should_stop,
        )

    monkeypatch.setattr(judging, "judge_many", interrupted_judge_many)

    with pytest.raises(CommandError, match="interrupted"):
        call_command("judge_run", "--project", "clinic", "--judge", "gpt-test", stderr=StringIO())

    run = JudgeRun.objects.get(config=clinic["config"])
    assert run.status == JudgeRun.Status.CANCELLED
    assert run.finished_at is not None
    assert run.n_called == 2
    assert run.n_ok == 2
    assert run.prompt_tokens == 2 * 120
    assert JudgeResult.objects.filter(config=clinic["config"]).count() == 2
