"""Issue 21, item 1: judge signals per item, stored with each run, for leads only."""

from __future__ import annotations

import itertools
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from review.judges.signals import ScoreSample, pair_signal, score_signal
from review.models import JudgeItemSignal, JudgeRun
from review.services.judging import judge_config_save, judge_run_begin, judge_run_execute
from tests.factories import ProjectFactory, member
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_server import (
    Reply,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)


def test_samples_that_agree_leave_no_uncertainty_and_a_split_leaves_much():
    same = score_signal(samples=[ScoreSample(0.5, True)] * 3, n_unparsable=0, n_failed=0)
    split = score_signal(
        samples=[ScoreSample(0.5, True), ScoreSample(0.4, False)], n_unparsable=0, n_failed=0
    )

    assert (same.verdict, same.spread, same.uncertainty) == ("pass", 0.0, 0.0)
    assert split.uncertainty == 1.0


def test_an_item_only_answered_unparsably_is_fully_uncertain_and_has_no_score():
    signal = score_signal(samples=[], n_unparsable=2, n_failed=0)

    assert (signal.verdict, signal.score, signal.uncertainty) == ("", None, 1.0)


def test_a_pair_whose_choice_follows_the_position_flips():
    flipped = pair_signal(forward=["a"], reverse=["b"], n_unparsable=0, n_failed=0)
    steady = pair_signal(forward=["a", "a"], reverse=["a", "a"], n_unparsable=0, n_failed=0)
    one_order = pair_signal(forward=["a"], reverse=[], n_unparsable=1, n_failed=0)

    assert (flipped.position_flip, flipped.verdict, flipped.uncertainty) == (True, "", 1.0)
    assert (steady.position_flip, steady.verdict, steady.uncertainty) == (False, "a", 0.0)
    assert (one_order.position_flip, one_order.uncertainty) == (None, 1.0)


def _varying_warmth(marker: str):
    """A judge whose warmth score on the marked item changes with every sample."""
    warmth = itertools.cycle([0, 4, 2])

    def respond(body):
        text = json.dumps(body["messages"])
        if "choice" in json.dumps(body.get("response_format", {})):
            return Reply(
                content=json.dumps(
                    {
                        "choice": "A",
                        "rationale": "r",
                        "preferences": {"empathy": "A", "safety": "A"},
                    }
                )
            )
        score = next(warmth) if marker in text else 2
        return Reply(
            content=json.dumps(
                {
                    "scores": {"warmth": score, "structure": 2},
                    "rationales": {"warmth": "w", "structure": "s"},
                }
            )
        )

    return respond


@pytest.mark.django_db
@pytest.mark.usefixtures("judge_key")
def test_a_run_with_samples_stores_spread_flips_and_unparsable_answers(judge_server):
    project = ProjectFactory(slug="signals")
    lead = member(project, "lead")
    _rubric, items, pairs = judged_project(project, sessions=3, pairs=1)
    config = judge_config(project, judge_server, samples=3, temperature=0.7)
    judge_server.responder = _varying_warmth("[item-0]")
    judge_server.script(Reply(content="not json"), marker="[item-2]")
    run = judge_run_begin(config=config, user=lead)

    judge_run_execute(run=run)

    # Three sessions and one pair in two orders, each asked three times.
    assert len(judge_server.requests) == (3 + 2) * 3
    signals = {s.item_id: s for s in JudgeItemSignal.objects.filter(run=run)}
    unsure, steady, garbled = (signals[item.pk] for item in items)
    # Totals 2, 6 and 4 of 8: 0.25, 0.75, 0.5 on the 0..1 scale.
    assert unsure.n_ok == 3
    assert unsure.spread == pytest.approx(0.2041, abs=1e-4)
    assert unsure.uncertainty == pytest.approx(0.2041 / 0.25, abs=1e-3)
    assert (steady.n_ok, steady.spread, steady.uncertainty) == (3, 0.0, 0.0)
    assert steady.score == pytest.approx(0.5)
    assert (garbled.n_ok, garbled.n_unparsable) == (2, 1)
    assert garbled.uncertainty == pytest.approx(1 / 3)
    # The judge always prefers the response it reads first: the verdict follows the position.
    pair = signals[pairs[0].pk]
    assert (pair.position_flip, pair.verdict, pair.uncertainty) == (True, "", 1.0)

    rerun = judge_run_begin(config=config, user=lead)
    judge_run_execute(run=rerun)

    rerun.refresh_from_db()
    assert (rerun.n_called, rerun.n_reused) == (0, 15)
    assert JudgeItemSignal.objects.filter(run=rerun).count() == 4


@pytest.mark.django_db
@pytest.mark.usefixtures("judge_key")
def test_several_samples_at_temperature_zero_are_refused(judge_server):
    project = ProjectFactory(slug="samples")
    lead = member(project, "lead")
    judged_project(project, sessions=1, pairs=0)
    config = judge_config(project, judge_server)

    with pytest.raises(ValidationError) as refused:
        judge_config_save(project=project, config=config, fields={"samples": 3}, actor=lead)

    assert "temperature" in str(refused.value)
    judge_config_save(
        project=project, config=config, fields={"samples": 3, "temperature": 0.8}, actor=lead
    )
    config.refresh_from_db()
    assert config.samples == 3


@pytest.mark.django_db
@pytest.mark.usefixtures("judge_key")
def test_the_lead_reads_the_signals_on_a_page_and_in_the_api_and_two_judges_disagree(
    judge_server,
):
    project = ProjectFactory(slug="two-judges")
    lead = member(project, "lead")
    _rubric, items, _pairs = judged_project(project, sessions=1, pairs=0)
    first = judge_config(project, judge_server)
    second = judge_config(project, judge_server, name="other judge", model="other-model")
    judge_server.script(
        Reply(
            content=json.dumps(
                {
                    "scores": {"warmth": 4, "structure": 4},
                    "rationales": {"warmth": "", "structure": ""},
                }
            )
        ),
        Reply(
            content=json.dumps(
                {
                    "scores": {"warmth": 0, "structure": 0},
                    "rationales": {"warmth": "", "structure": ""},
                }
            )
        ),
    )
    for config in (first, second):
        judge_run_execute(run=judge_run_begin(config=config, user=lead))
    run = JudgeRun.objects.get(config=second)
    client = Client()
    client.force_login(lead)

    api = client.get(reverse("api_judge_run_signals", args=[project.slug, run.pk]))
    page = client.get(reverse("review:judge_run_signals", args=[project.slug, run.pk]))
    detail = client.get(reverse("review:judge_detail", args=[project.slug, second.pk]))

    assert api.status_code == 200
    [row] = api.json()
    assert (row["item"], row["score"], row["judges_disagree"]) == (items[0].pk, 0.0, True)
    content = page.content.decode()
    assert f'data-item="{items[0].pk}"' in content
    assert 'class="disagree">yes' in content
    assert reverse("review:judge_run_signals", args=[project.slug, run.pk]) in (
        detail.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("judge_key")
def test_judge_config_command_sets_the_samples(judge_server):
    project = ProjectFactory(slug="cli-samples")
    judged_project(project, sessions=1, pairs=0)
    config = judge_config(project, judge_server)

    call_command(
        "judge_config",
        "--project",
        project.slug,
        "--name",
        config.name,
        "--samples",
        "5",
        "--temperature",
        "0.9",
        stdout=StringIO(),
    )

    config.refresh_from_db()
    assert (config.samples, config.temperature) == (5, 0.9)
