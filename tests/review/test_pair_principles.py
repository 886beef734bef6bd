"""Per-principle preferences on pairs, through the pairwise page and through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from review.models import Assignment, PairwiseJudgment
from review.services.assignment import assignment_next
from tests.conftest import client_for
from tests.review.reviewer_world import review_world
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db


def _slot(swapped: bool):
    principles = RubricFactory(status="published", scope="response_pair")
    CriterionFactory(rubric=principles, code="empathy", position=1, title={"en": "Empathy"})
    CriterionFactory(rubric=principles, code="honesty", position=2, title={"en": "Honesty"})
    world = review_world(items=0, pairs=1, pair_rubric=principles)
    reviewer = world.reviewers[0]
    assignment = assignment_next(project=world.project, reviewer=reviewer)
    Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
    return world, reviewer, assignment.item


@pytest.mark.parametrize("swapped", [False, True])
def test_the_pairwise_page_stores_each_principle_in_candidate_terms(swapped) -> None:
    world, reviewer, item = _slot(swapped)
    client = client_for(reviewer)
    page = client.get(reverse("review:item", args=[world.project.slug, item.pk]))
    assert 'name="principle-empathy"' in page.content.decode()

    response = client.post(
        reverse("review:item_submit", args=[world.project.slug, item.pk]),
        {
            "choice": "left",
            "strength": "2",
            "principle-empathy": "left",
            "principle-honesty": "tie",
            "rationale": "Left names the feeling; both are honest.",
        },
    )

    assert response.status_code in (200, 302)
    judgment = PairwiseJudgment.objects.get(item=item, reviewer=reviewer)
    assert judgment.status == PairwiseJudgment.Status.SUBMITTED
    left = "b" if swapped else "a"
    assert judgment.principle_choices == {"empathy": left, "honesty": "tie"}
    # Shown again, the page marks the side the reviewer chose, not a or b.
    again = client.get(reverse("review:item", args=[world.project.slug, item.pk])).content.decode()
    assert 'name="principle-empathy" value="left" checked' in again


def test_an_unknown_principle_on_the_page_is_refused_with_a_message() -> None:
    world, reviewer, item = _slot(False)

    response = client_for(reviewer).post(
        reverse("review:item_submit", args=[world.project.slug, item.pk]),
        {"choice": "left", "strength": "2", "principle-kindness": "left", "rationale": "x"},
        follow=True,
    )

    # The item's page comes back with the problems instead of a submission.
    assert response.status_code == 200
    assert "No such principle in this project." in response.content.decode()
    assert not PairwiseJudgment.objects.filter(status=PairwiseJudgment.Status.SUBMITTED).exists()


@pytest.mark.parametrize("swapped", [False, True])
def test_principles_round_trip_through_the_api(swapped) -> None:
    world, reviewer, item = _slot(swapped)
    client = APIClient()
    client.force_authenticate(reviewer)
    base = {"slug": world.project.slug, "item_id": item.pk}

    shown = client.get(reverse("api_review_item", kwargs=base)).json()
    assert [c["code"] for c in shown["principles"]["criteria"]] == ["empathy", "honesty"]
    draft = client.put(
        reverse("api_review_draft", kwargs=base),
        {"principles": {"empathy": "right"}},
        format="json",
    )
    assert draft.status_code == 200, draft.json()
    submitted = client.post(
        reverse("api_review_submit", kwargs=base),
        {
            "choice": "right",
            "strength": 1,
            "principles": {"empathy": "right", "honesty": "left"},
            "rationale": "Right is warmer; left is more candid.",
        },
        format="json",
    )

    assert submitted.status_code == 200, submitted.json()
    right, left = ("a", "b") if swapped else ("b", "a")
    judgment = PairwiseJudgment.objects.get(item=item, reviewer=reviewer)
    assert judgment.principle_choices == {"empathy": right, "honesty": left}
    # The reviewer reads them back in screen sides.
    assert submitted.json()["judgment"]["principles"] == {"empathy": "right", "honesty": "left"}
    again = client.get(reverse("api_review_item", kwargs=base)).json()
    assert again["judgment"]["principles"] == {"empathy": "right", "honesty": "left"}
