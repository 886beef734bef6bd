"""Issue 21, item 4: a judge's alignment with the reviewers per prompt version."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from review.models import Assignment, JudgeConfig, JudgeResult, Review
from review.selectors.judge_prompt_history import judge_prompt_history
from tests.factories import ProjectFactory, member
from tests.review.factories import (
    AssignmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    ScoreFactory,
    SessionItemFactory,
)
from tests.review.judge_fixtures import scoring_rubric

pytestmark = pytest.mark.django_db

HUMAN = [0, 1, 2, 3, 4, 1, 3, 2]


@pytest.fixture
def history_world():
    project = ProjectFactory(slug="prompts")
    rubric = scoring_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric)
    lead = member(project, Role.LEAD, "lead")
    reviewers = [member(project, Role.REVIEWER, f"r{n}") for n in range(2)]
    criteria = {c.code: c for c in rubric.criteria.all()}
    items = [SessionItemFactory(project=project) for _ in HUMAN]
    now = timezone.now()
    for item, value in zip(items, HUMAN, strict=True):
        for reviewer in reviewers:
            review = ReviewFactory(
                assignment=AssignmentFactory(
                    item=item,
                    reviewer=reviewer,
                    status=Assignment.Status.SUBMITTED,
                    submitted_at=now,
                ),
                rubric=rubric,
                status=Review.Status.SUBMITTED,
                submitted_at=now,
            )
            for criterion in criteria.values():
                ScoreFactory(review=review, criterion=criterion, value=Decimal(value))
    config = JudgeConfig.objects.create(
        project=project,
        name="judge",
        base_url="http://127.0.0.1:9/v1",
        model="m",
        api_key_name="",
    )

    def answer(version, item, value, when):
        result = JudgeResult.objects.create(
            config=config,
            item=item,
            rubric=rubric,
            fingerprint=f"{version}-{item.pk}",
            settings_fingerprint=version,
            prompt_version=version,
            prompt_hash="0" * 64,
            status=JudgeResult.Status.OK,
            scores={"warmth": value, "structure": value},
        )
        JudgeResult.objects.filter(pk=result.pk).update(updated_at=when)

    for item, value in zip(items, HUMAN, strict=True):
        # v1 reads the scale upside down; v2, a month later, follows the reviewers.
        answer("v1", item, 4 - value, now - timedelta(days=30))
        answer("v2", item, value, now)
    return project, lead, config


def test_each_prompt_version_has_its_own_alignment_oldest_first(history_world):
    _project, _lead, config = history_world

    history = judge_prompt_history(config=config)

    assert [row.prompt_version for row in history] == ["v1", "v2"]
    old, new = ({c.code: c for c in row.criteria}["warmth"] for row in history)
    assert (old.n_items, new.n_items) == (8, 8)
    assert new.kappa == pytest.approx(1.0)
    assert new.spearman == pytest.approx(1.0)
    assert old.spearman == pytest.approx(-1.0)
    assert new.alpha_with_judge > old.alpha_with_judge
    assert history[0].n_answers == 8


def test_the_lead_reads_the_history_on_the_judge_page_and_in_the_api(history_world):
    project, lead, config = history_world
    client = Client()
    client.force_login(lead)

    page = client.get(reverse("review:judge_detail", args=[project.slug, config.pk]))
    api = client.get(reverse("api_judge_prompt_history", args=[project.slug, config.pk]))

    content = page.content.decode()
    assert "Alignment by prompt version" in content
    assert 'data-prompt-version="v2" data-criterion="warmth"' in content
    assert api.status_code == 200
    assert [row["prompt_version"] for row in api.json()] == ["v1", "v2"]
    assert api.json()[1]["criteria"][0]["kappa"] == pytest.approx(1.0)
