"""Issue 21, item 5: few-shot calibration from adjudicated items, never the judged item."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from review.models import Adjudication, JudgeResult
from review.services.judging import judge_run_begin, judge_run_execute
from tests.factories import ProjectFactory, member
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_server import (
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("judge_key")]


def test_a_run_shows_adjudicated_items_as_examples_and_never_judges_them(judge_server):
    project = ProjectFactory(slug="calibrated")
    lead = member(project, "lead")
    rubric, items, _pairs = judged_project(project, sessions=4, pairs=0)
    Adjudication.objects.create(
        item=items[0], lead=lead, rubric=rubric, scores={"warmth": 3, "structure": 1}, reason="r"
    )
    # Half a point is not a score the judge could give: not an example.
    Adjudication.objects.create(
        item=items[1],
        lead=lead,
        rubric=rubric,
        scores={"warmth": 2.5, "structure": 1},
        reason="r",
    )
    config = judge_config(project, judge_server, few_shot=2)
    run = judge_run_begin(config=config, user=lead)

    judge_run_execute(run=run)

    run.refresh_from_db()
    assert run.examples == [items[0].pk]
    judged = set(JudgeResult.objects.filter(run=run).values_list("item_id", flat=True))
    assert judged == {items[1].pk, items[2].pk, items[3].pk}
    assert len(judge_server.requests) == 3
    for request in judge_server.requests:
        messages = request.body["messages"]
        roles = [m["role"] for m in messages]
        assert roles == ["system", "user", "assistant", "user"]
        assert "[item-0]" in messages[1]["content"]
        assert json.loads(messages[2]["content"])["scores"] == {"warmth": 3, "structure": 1}
        # The item asked about is the last message, and it is never its own example.
        assert "[item-0]" not in messages[3]["content"]

    client = Client()
    client.force_login(lead)
    page = client.get(reverse("review:judge_detail", args=[project.slug, config.pk]))
    assert f'<dd class="run-examples">{items[0].pk}</dd>' in page.content.decode()


def test_examples_change_the_question_so_answers_without_them_are_not_reused(judge_server):
    project = ProjectFactory(slug="recalibrated")
    lead = member(project, "lead")
    rubric, items, _pairs = judged_project(project, sessions=3, pairs=0)
    config = judge_config(project, judge_server)
    judge_run_execute(run=judge_run_begin(config=config, user=lead))
    Adjudication.objects.create(
        item=items[0], lead=lead, rubric=rubric, scores={"warmth": 4, "structure": 4}, reason="r"
    )
    config.few_shot = 1
    config.save()

    rerun = judge_run_begin(config=config, user=lead)
    judge_run_execute(run=rerun)

    rerun.refresh_from_db()
    assert (rerun.n_requests, rerun.n_reused, rerun.n_called) == (2, 0, 2)
