"""Agreement's composite total and judges' totals come from rubrics.scoring.rubric_score."""

from __future__ import annotations

import random
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from review.models import JudgeConfig, JudgeResult
from review.services.agreement import project_agreement
from review.services.judging import judge_result_score
from review.stats import alpha_by_criterion
from rubrics.scoring import rubric_score
from rubrics.services import rubrics_load_builtin
from tests.conftest import client_for
from tests.factories import ProjectFactory, UserFactory, member
from tests.review.agreement_fixtures import reviewed_item
from tests.review.agreement_judges import judge_scores
from tests.review.factories import ReviewSettingsFactory
from tests.review.judge_fixtures import scoring_rubric

pytestmark = pytest.mark.django_db


def _alpha_of_totals(totals: dict[tuple[int, str], Decimal]) -> float:
    frame = pd.DataFrame(
        [
            {"item": str(item), "rater": rater, "criterion": "total", "value": float(total)}
            for (item, rater), total in totals.items()
        ]
    )
    return alpha_by_criterion(ratings=frame, levels={"total": "interval"}, n_boot=0)["total"].alpha


def test_cpsycoune_met_or_not_criteria_get_a_composite_equal_to_rubric_score_totals():
    cpsy = next(o.rubric for o in rubrics_load_builtin() if o.rubric.slug == "cpsycoune")
    project = ProjectFactory(slug="cpsy")
    ReviewSettingsFactory(project=project, rubric=cpsy)
    codes = list(cpsy.criteria.values_list("code", flat=True))
    reviewers = [UserFactory(username=name) for name in ("ana", "ben", "cai")]
    chance = random.Random(7)
    totals = {}
    for _n in range(6):
        base = {code: chance.random() < 0.6 for code in codes}
        scores = {
            reviewer: {
                code: (met if chance.random() < 0.85 else not met) for code, met in base.items()
            }
            for reviewer in reviewers
        }
        item = reviewed_item(
            project, cpsy, {r: {c: int(v) for c, v in s.items()} for r, s in scores.items()}
        )
        for reviewer, given in scores.items():
            totals[(item.pk, reviewer.username)] = rubric_score(rubric=cpsy, scores=given).total

    report = project_agreement(project=project, n_boot=0)

    assert report["composite"] is not None
    assert report["composite"]["method"] == "sum"
    assert report["composite"]["n_pairable"] == len(totals)
    assert report["composite"]["alpha"] == pytest.approx(_alpha_of_totals(totals))


def test_a_rating_with_a_not_applicable_criterion_keeps_its_prorated_total():
    project = ProjectFactory(slug="na")
    rubric = scoring_rubric()
    rubric.criteria.filter(code="structure").update(allow_na=True)
    ReviewSettingsFactory(project=project, rubric=rubric)
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    given = [
        ({"warmth": 3, "structure": None}, {"warmth": 3, "structure": 3}),
        ({"warmth": 1, "structure": 2}, {"warmth": 2, "structure": 2}),
        ({"warmth": 4, "structure": 4}, {"warmth": 4, "structure": None}),
        ({"warmth": 0, "structure": 1}, {"warmth": 0, "structure": 0}),
    ]
    totals = {}
    for a, b in given:
        item = reviewed_item(project, rubric, {ana: a, ben: b})
        totals[(item.pk, "ana")] = rubric_score(rubric=rubric, scores=a).total
        totals[(item.pk, "ben")] = rubric_score(rubric=rubric, scores=b).total

    report = project_agreement(project=project, n_boot=0)

    # Before, a rating with an NA criterion had no total and left the composite.
    assert report["composite"]["n_pairable"] == 8
    assert report["composite"]["na_rule"] == "prorated"
    assert totals[(next(iter(totals))[0], "ana")] == Decimal(6)
    assert report["composite"]["alpha"] == pytest.approx(_alpha_of_totals(totals))


def test_a_judges_answer_has_the_rubrics_total_and_pass_fail_on_its_page():
    project = ProjectFactory(slug="clinic")
    rubric = scoring_rubric()
    rubric.cutoff = Decimal(5)
    rubric.save()
    ReviewSettingsFactory(project=project, rubric=rubric)
    lead = member(project, "lead")
    items = [reviewed_item(project, rubric, {}) for _n in range(2)]
    config = JudgeConfig.objects.create(
        project=project, name="j", base_url="http://127.0.0.1:9/v1", model="m", api_key_name=""
    )
    judge_scores(config, {items[0]: {"warmth": 4, "structure": 3}})
    judge_scores(config, {items[1]: {"warmth": 1, "structure": 2}})
    passing, failing = JudgeResult.objects.filter(config=config).order_by("item_id")

    assert judge_result_score(result=passing).total == Decimal(7)
    assert judge_result_score(result=passing).passed is True
    assert judge_result_score(result=failing).passed is False
    page = client_for(lead).get(reverse("review:judge_detail", args=["clinic", config.pk]))
    text = page.content.decode()
    assert f'data-result="{passing.pk}"' in text
    row = text.split(f'data-result="{passing.pk}"')[1].split("</tr>")[0]
    assert "7 / 8" in row
    assert "Passed" in row
    row = text.split(f'data-result="{failing.pk}"')[1].split("</tr>")[0]
    assert "3 / 8" in row
    assert "Below the cut-off" in row
