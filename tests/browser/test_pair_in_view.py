"""The pair's choice controls stay in view while the reviewer reads two long
responses, as the scoring panel does beside a long session."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import login
from tests.review.factories import PairItemFactory
from tests.review.reviewer_world import review_world
from tests.rubrics.factories import CriterionFactory, RubricFactory

PARAGRAPH = (
    "It sounds like the exam has become a measure of your worth, and that is a heavy thing "
    "to carry into every study session. Let us slow down and look at what happens first. "
)


def _in_viewport(page: Page, locator: Locator) -> bool:
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


def test_the_choices_stay_in_view_down_to_the_end_of_long_responses(page: Page) -> None:
    principles = RubricFactory(status="published", scope="response_pair")
    CriterionFactory(rubric=principles, code="empathy", position=1, title={"en": "Empathy"})
    CriterionFactory(rubric=principles, code="honesty", position=2, title={"en": "Honesty"})
    world = review_world(items=0, reviewers=1, pair_rubric=principles)
    PairItemFactory(
        project=world.project,
        candidate_a__text="\n\n".join([PARAGRAPH * 3] * 12),
        candidate_b__text="\n\n".join([PARAGRAPH * 2] * 12),
    )
    login(page, world.reviewers[0])
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("[data-keys-ready]")).to_be_attached()

    left = page.locator("#response-left")
    assert left.bounding_box()["height"] > 1500  # a long response, as in the issue
    choice = page.locator(".pair-choice label.level", has_text="Left")
    principle = page.locator("input[name=principle-honesty][value=tie]")
    for fraction in (0.25, 0.5, 0.9):
        page.evaluate(
            "f => window.scrollTo(0, f * document.documentElement.scrollHeight)", fraction
        )
        assert _in_viewport(page, choice), fraction
        assert _in_viewport(page, principle), fraction
    # And the reviewer chooses there with the mouse, without scrolling back up.
    choice.click()
    expect(page.locator("input[name=choice][value=left]")).to_be_checked()
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
