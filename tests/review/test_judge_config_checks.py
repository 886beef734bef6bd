"""Judge configurations and rating imports are checked on the server, not only in forms; the
API key never lands in the database."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from core.models import AuditEvent, Job
from review.models import ExternalRating, JudgeConfig, JudgeResult, JudgeRun
from review.services.judging import judge_config_save, judge_run_start
from rubrics.models import Rubric
from tests.factories import ProjectFactory, member
from tests.review.judge_fixtures import (
    judge_config,
    judged_project,
    principles_rubric,
    scoring_rubric,
)
from tests.review.judge_server import (
    KEY,
    KEY_NAME,
    Fail,
    Reply,
    Stall,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def _fields(**overrides):
    fields = {
        "name": "judge",
        "base_url": "http://127.0.0.1:9/v1",
        "model": "m",
        "api_key_name": "",
    }
    fields.update(overrides)
    return fields


def test_a_judge_cannot_score_against_a_draft_rubric():
    project = ProjectFactory()
    draft = scoring_rubric()
    draft.status = Rubric.Status.DRAFT
    draft.save()

    with pytest.raises(ValidationError, match=r"draft|not one") as caught:
        judge_config_save(project=project, config=None, fields=_fields(rubric=draft), actor=None)

    assert "rubric" in caught.value.message_dict
    assert not JudgeConfig.objects.exists()


def test_a_judge_cannot_score_sessions_against_a_pair_rubric():
    project = ProjectFactory()

    with pytest.raises(ValidationError) as caught:
        judge_config_save(
            project=project, config=None, fields=_fields(rubric=principles_rubric()), actor=None
        )

    assert "rubric" in caught.value.message_dict


@pytest.mark.parametrize("value", ["sk-proj-abc123", "SECRET_KEY", "DATABASE_URL", "my key"])
def test_the_service_refuses_a_pasted_key_or_a_variable_name(value, settings):
    settings.JUDGE_API_KEYS = {"openai": "sk-o"}
    project = ProjectFactory()

    with pytest.raises(ValidationError) as caught:
        judge_config_save(
            project=project, config=None, fields=_fields(api_key_name=value), actor=None
        )

    assert "api_key_name" in caught.value.message_dict
    assert not JudgeConfig.objects.exists()
    assert not AuditEvent.objects.filter(action="review.judge.configured").exists()


def test_import_ratings_refuses_a_draft_rubric_version(tmp_path):
    ProjectFactory(slug="study")
    draft = scoring_rubric()
    draft.status = Rubric.Status.DRAFT
    draft.save()
    path = tmp_path / "ratings.csv"
    path.write_text("item,rater,criterion,score\nu1,r1,warmth,2\n")

    with pytest.raises(CommandError, match="is a draft"):
        call_command(
            "import_ratings",
            str(path),
            "--project",
            "study",
            "--rubric",
            draft.slug,
            "--rubric-version",
            str(draft.version),
            stdout=StringIO(),
        )
    assert not ExternalRating.objects.exists()


@pytest.mark.usefixtures("judge_key")
def test_after_a_run_full_of_faults_the_key_is_nowhere_in_the_database(
    judge_server, django_capture_on_commit_callbacks
):
    project = ProjectFactory(slug="clinic")
    lead = member(project, "lead")
    _rubric, _items, _pairs = judged_project(project)
    config = judge_config(project, judge_server)
    # Servers echo the key in some errors ("Incorrect API key provided: sk-...").
    judge_server.script(Fail(401, message=f"Incorrect API key provided: {KEY}"), marker="[item-0]")
    judge_server.script(Reply(content=f"not json {KEY}"), marker="[item-1]")
    judge_server.script(Reply(refusal="I can't assess this conversation."), marker="[item-2]")
    judge_server.script(Fail(500), Fail(500), Fail(500), marker="[item-3]")
    judge_server.script(Stall(3), Stall(3), Stall(3), marker="[item-4]")

    with django_capture_on_commit_callbacks(execute=True):
        run = judge_run_start(config=config, user=lead)
    run.refresh_from_db()

    assert run.n_error >= 2
    stored = serializers.serialize(
        "json",
        [
            *JudgeResult.objects.all(),
            *JudgeRun.objects.all(),
            *JudgeConfig.objects.all(),
            *AuditEvent.objects.all(),
            *Job.objects.all(),
        ],
    )
    assert f'"api_key_name": "{KEY_NAME}"' in stored
    assert KEY not in stored
    assert KEY not in json.dumps(list(Job.objects.values()), default=str)
