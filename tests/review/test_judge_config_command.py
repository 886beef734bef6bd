"""judge_config: a judge configured from the command line, so judge_run needs no browser."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from review.models import JudgeConfig, JudgeResult, JudgeRun
from rubrics.models import Rubric
from tests.factories import ProjectFactory
from tests.review.judge_fixtures import judged_project, scoring_rubric
from tests.review.judge_server import (
    KEY_NAME,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def configure(*args: str) -> str:
    out = StringIO()
    call_command("judge_config", "--project", "clinic", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("judge_key")
def test_a_judge_configured_on_the_command_line_runs_from_the_command_line(judge_server):
    project = ProjectFactory(slug="clinic")
    rubric, _items, _pairs = judged_project(project, sessions=2, pairs=1)

    said = configure(
        "--name",
        "cli",
        "--base-url",
        judge_server.url,
        "--model",
        "judge-model-1",
        "--api-key",
        KEY_NAME,
        "--rubric",
        rubric.slug,
        "--concurrency",
        "2",
    )
    out = StringIO()
    call_command(
        "judge_run", "--project", "clinic", "--judge", "cli", stdout=out, stderr=StringIO()
    )

    assert "judge cli created in clinic" in said
    config = JudgeConfig.objects.get(project=project, name="cli")
    assert (config.rubric, config.concurrency) == (rubric, 2)
    assert AuditEvent.objects.filter(action="review.judge.configured").count() == 1
    assert JudgeRun.objects.get(config=config).status == JudgeRun.Status.SUCCEEDED
    assert JudgeResult.objects.filter(config=config, status="ok").count() == 2 + 2
    assert "4 calls" in out.getvalue()


def test_an_update_changes_only_the_fields_given(settings):
    settings.JUDGE_API_KEYS = {"openai": "sk-o"}
    ProjectFactory(slug="clinic")
    configure(
        "--name",
        "j",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m1",
        "--api-key",
        "openai",
        "--temperature",
        "0.2",
    )

    said = configure("--name", "j", "--model", "m2")

    config = JudgeConfig.objects.get(name="j")
    assert "judge j updated" in said
    assert (config.model, config.temperature, config.api_key_name) == ("m2", 0.2, "openai")


def test_a_new_judge_needs_its_endpoint_and_model():
    ProjectFactory(slug="clinic")

    with pytest.raises(CommandError, match="--base-url, --model"):
        configure("--name", "j")


def test_a_pasted_key_and_a_draft_rubric_are_refused_with_the_reason():
    ProjectFactory(slug="clinic")
    draft = scoring_rubric()
    draft.status = Rubric.Status.DRAFT
    draft.save()
    base = ["--name", "j", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]

    with pytest.raises(CommandError, match="api_key_name: the key is not one of the keys"):
        configure(*base, "--api-key", "sk-proj-123")
    with pytest.raises(CommandError, match="rubric: A judge scores against a published"):
        configure(
            *base,
            "--api-key",
            "",
            "--rubric",
            draft.slug,
            "--rubric-version",
            str(draft.version),
        )
    assert not JudgeConfig.objects.exists()
