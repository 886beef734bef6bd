"""A lead names a judge's key by the label the operator gave it, never by a server variable.

The judge's key goes out as ``Authorization: Bearer ...`` to the base URL a lead chose. If a lead
could name any environment variable, the worker would send SECRET_KEY or DATABASE_URL to a
server of the lead's choosing. These tests play that attack against a real HTTP listener on
loopback (and, in the last one, through a real worker process) and check what reaches it.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.models import Membership, Role
from review.models import JudgeConfig, JudgeRun
from review.services.judging import JudgeRunError, judge_run_start
from tests.conftest import client_for
from tests.factories import ProjectFactory, UserFactory
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_server import (  # noqa: F401  (fixtures)
    KEY,
    KEY_NAME,
    judge_key_fixture,
    judge_server_fixture,
)

CANARY = "canary-value-that-must-never-leave-the-server"


def _form_data(server, **changes):  # type: ignore[no-untyped-def]
    data = {
        "name": "probe",
        "base_url": server.url,
        "model": "judge-model-1",
        "prompt_version": "v1",
        "language": "en",
        "temperature": "0",
        "samples": "1",
        "few_shot": "0",
        "max_tokens": "400",
        "concurrency": "1",
        "timeout": "2",
        "retries": "0",
        "price_prompt_per_1k": "0",
        "price_completion_per_1k": "0",
        "use_json_schema": "on",
    }
    data.update(changes)
    return data


@pytest.fixture
def lead_project(db):  # type: ignore[no-untyped-def]
    project = ProjectFactory(slug="clinic")
    judged_project(project, sessions=2, pairs=0)
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    return project, lead


def _bearers(server) -> set[str]:  # type: ignore[no-untyped-def]
    return {r.headers.get("Authorization", "") for r in server.requests}


def test_a_lead_cannot_have_a_server_variable_sent_as_the_judge_key(
    lead_project, judge_server, judge_key, monkeypatch
):
    project, lead = lead_project
    monkeypatch.setenv("RAPPORT_CANARY_SECRET", CANARY)
    client = client_for(lead)
    url = reverse("review:judge_create", args=[project.slug])

    # Whatever the field is called, naming a variable must not get a judge saved.
    for field in ("api_key_env", "api_key_name"):
        client.post(url, _form_data(judge_server, **{field: "RAPPORT_CANARY_SECRET"}))
    for config in JudgeConfig.objects.filter(project=project):
        # A refusal is what should happen; the point is what gets sent.
        with contextlib.suppress(JudgeRunError):
            judge_run_start(config=config, user=lead)

    # At most a judge with no key was saved (from the field name the form does not know).
    assert set(JudgeConfig.objects.values_list("api_key_name", flat=True)) <= {""}
    assert not any(CANARY in value for value in _bearers(judge_server))


def test_the_form_offers_only_the_keys_the_operator_configured(lead_project, settings):
    project, lead = lead_project
    settings.JUDGE_API_KEYS = {"openai": "sk-one", "local": "sk-two"}
    page = client_for(lead).get(reverse("review:judge_create", args=[project.slug]))
    html = page.content.decode()

    assert '<select name="api_key_name"' in html
    assert '<option value="local">local</option>' in html
    assert '<option value="openai">openai</option>' in html
    assert "sk-one" not in html
    assert "sk-two" not in html


def test_a_refusal_never_tells_whether_a_server_variable_exists(
    lead_project, judge_server, monkeypatch
):
    project, lead = lead_project
    monkeypatch.setenv("RAPPORT_CANARY_SECRET", CANARY)
    monkeypatch.delenv("RAPPORT_NO_SUCH_VARIABLE", raising=False)
    client = client_for(lead)
    url = reverse("review:judge_create", args=[project.slug])

    answers = []
    for name in ("RAPPORT_CANARY_SECRET", "RAPPORT_NO_SUCH_VARIABLE"):
        response = client.post(url, _form_data(judge_server, api_key_name=name))
        assert response.status_code == 200
        html = response.content.decode()
        errors = html[html.find('id="id_api_key_name_error"') :][:400]
        answers.append(errors.replace(name, "NAME"))
    assert not JudgeConfig.objects.filter(project=project).exists()
    assert answers[0] == answers[1]
    assert "not one of the keys" in answers[0]


def test_the_judge_is_saved_with_a_configured_key_and_sends_that_key(
    lead_project, judge_server, judge_key, django_capture_on_commit_callbacks
):
    project, lead = lead_project
    client = client_for(lead)
    url = reverse("review:judge_create", args=[project.slug])
    saved = client.post(url, _form_data(judge_server, api_key_name=KEY_NAME))
    config = JudgeConfig.objects.get(project=project, name="probe")
    assert saved.status_code == 302
    assert config.api_key_name == KEY_NAME

    with django_capture_on_commit_callbacks(execute=True):
        judge_run_start(config=config, user=lead)

    assert _bearers(judge_server) == {f"Bearer {KEY}"}


def test_the_command_line_follows_the_same_rule(lead_project, judge_server, judge_key, capsys):
    project, _lead = lead_project
    with pytest.raises(CommandError) as refused:
        call_command(
            "judge_config",
            "--project",
            project.slug,
            "--name",
            "probe",
            "--base-url",
            judge_server.url,
            "--model",
            "m",
            "--api-key",
            "SECRET_KEY",
        )
    assert "not one of the keys" in str(refused.value)
    assert KEY_NAME in str(refused.value)
    assert not JudgeConfig.objects.filter(project=project).exists()

    call_command(
        "judge_config",
        *("--project", project.slug, "--name", "probe", "--base-url", judge_server.url),
        *("--model", "m", "--api-key", KEY_NAME),
    )
    assert JudgeConfig.objects.get(project=project, name="probe").api_key_name == KEY_NAME


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_only_the_operator_key(
    tmp_path: Path, judge_server, monkeypatch, settings
):
    from tests.core.test_worker import _broker, _output, _queue, real_broker, worker

    monkeypatch.setenv("RAPPORT_CANARY_SECRET", CANARY)
    # The worker reads its keys from its environment; this process's settings say the same.
    monkeypatch.setenv("RAPPORT_JUDGE_KEY_WORKER", "sk-worker-key")
    settings.JUDGE_API_KEYS = {"worker": "sk-worker-key"}
    project = ProjectFactory(slug="clinic")
    judged_project(project, sessions=2, pairs=0)
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    # A row written before the fix, or by hand: it names a server variable.
    sneaky = judge_config(
        project, judge_server, name="sneaky", api_key_name="rapport_canary_secret"
    )
    honest = judge_config(project, judge_server, name="honest", api_key_name="worker")

    broker_url, broker_env = _broker(tmp_path)
    queue = _queue()
    with worker(broker_url, broker_env, queue) as process:
        with real_broker(broker_url, broker_env, queue):
            runs = []
            for config in (sneaky, honest):
                # The sneaky one is refused before it is queued.
                with contextlib.suppress(JudgeRunError):
                    runs.append(judge_run_start(config=config, user=lead))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if all(JudgeRun.objects.get(pk=r.pk).job.is_finished for r in runs):
                break
            time.sleep(0.1)
        finished = [JudgeRun.objects.get(pk=r.pk).job.is_finished for r in runs]
        assert finished == [True], _output(process)

    run = JudgeRun.objects.get(pk=runs[0].pk)
    assert (run.status, run.error) == (JudgeRun.Status.SUCCEEDED, "")
    assert _bearers(judge_server) == {"Bearer sk-worker-key"}
