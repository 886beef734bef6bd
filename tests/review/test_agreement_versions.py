"""Which answers and ratings a report reads, and when a cached report is stale.

A judge without a rubric of its own scores on the project's rubric version: its answers must
show up in alignment, and answers on another version of the same rubric must not. A cached
report must change when re-imported ratings change scores in place.
"""

from __future__ import annotations

import pytest

from dialogues.models import SourceRating
from review.models import JudgeConfig, JudgeResult, JudgeRun
from review.services.agreement import project_agreement
from review.services.agreement_cache import agreement_cache_key, agreement_refresh
from review.services.judging import judge_run_start
from review.services.ratings import ratings_import
from tests.factories import ProjectFactory, member
from tests.review.agreement_judges import judge_scores, source_ratings
from tests.review.factories import PairItemFactory, ReviewSettingsFactory
from tests.review.judge_fixtures import judge_config, principles_rubric, scoring_rubric
from tests.review.judge_server import (
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)
from tests.review.test_agreement_service import HUMANS, scored_project
from tests.rubrics.factories import RubricFactory

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("judge_key")
def test_a_judge_with_no_rubric_of_its_own_is_aligned_on_the_projects(
    judge_server, django_capture_on_commit_callbacks
):
    project, rubric, items = scored_project()
    lead = member(project, "lead")
    config = judge_config(project, judge_server)
    assert config.rubric is None

    with django_capture_on_commit_callbacks(execute=True):
        run = judge_run_start(config=config, user=lead)
    run.refresh_from_db()

    assert run.status == JudgeRun.Status.SUCCEEDED
    assert run.rubric == rubric
    assert set(
        JudgeResult.objects.filter(config=config, order="").values_list("rubric", flat=True)
    ) == {rubric.pk}
    report = project_agreement(project=project, n_boot=0)
    (judge,) = report["judges"]
    assert judge["name"] == config.name
    assert {row["code"] for row in judge["criteria"]} == {"warmth", "structure"}
    assert judge["criteria"][0]["n_items"] == len(items)


def test_answers_on_another_version_of_the_same_rubric_are_not_compared():
    project, rubric, items = scored_project()
    newer = RubricFactory(slug=rubric.slug, version=rubric.version + 1, status="published")
    config = JudgeConfig.objects.create(
        project=project,
        name="j",
        base_url="http://127.0.0.1:9/v1",
        model="m",
        api_key_name="",
        rubric=rubric,
    )
    judge_scores(
        config,
        {item: {"warmth": a, "structure": a} for item, (a, _b) in zip(items, HUMANS, strict=True)},
        rubric=newer,
    )

    assert project_agreement(project=project, n_boot=0)["judges"] == []


def _ratings(rows):
    return "item,rater,criterion,score\n" + "".join(f"{r}\n" for r in rows)


def test_reimporting_changed_scores_changes_the_cached_report():
    project = ProjectFactory(slug="study")
    rubric = scoring_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric)
    first = [f"u{n},{rater},warmth,{n % 5}" for n in range(6) for rater in ("r1", "r2")]
    ratings_import(project=project, rubric=rubric, text=_ratings(first), name="a.csv")
    before = agreement_refresh(project=project, rubric=rubric)
    key_before = agreement_cache_key(project=project, rubric=rubric, since=None, until=None)

    # Same rows, same count, same highest id; r2 now disagrees everywhere.
    second = [f"u{n},r1,warmth,{n % 5}" for n in range(6)]
    second += [f"u{n},r2,warmth,{4 - n % 5}" for n in range(6)]
    outcome = ratings_import(project=project, rubric=rubric, text=_ratings(second), name="b.csv")

    assert (outcome.created, outcome.updated) == (0, 5)
    assert agreement_cache_key(project=project, rubric=rubric, since=None, until=None) != (
        key_before
    )
    after = agreement_refresh(project=project, rubric=rubric)
    alpha = {row["code"]: row["alpha"] for row in after["criteria"]}
    assert before["criteria"][0]["alpha"] == pytest.approx(1.0)
    assert alpha["warmth"] < 0


def test_a_changed_source_rating_changes_the_cache_key():
    project = ProjectFactory(slug="pairs")
    ReviewSettingsFactory(project=project, pair_rubric=principles_rubric())
    item = PairItemFactory(project=project)
    source_ratings(item, "gpt-4o", {"Empathy": 5}, {"Empathy": 2})
    key = agreement_cache_key(project=project, rubric=None, since=None, until=None)

    SourceRating.objects.filter(score=5).update(score=1)

    assert agreement_cache_key(project=project, rubric=None, since=None, until=None) != key
