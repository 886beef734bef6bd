"""Texts that misled a reviewer, each said plainly now."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.review.reviewer_world import review_world


def test_with_reveal_on_a_first_submitter_is_told_nobody_else_has_submitted(page: Page) -> None:
    world = review_world(items=1, reviewers=2, reveal_after_submit=True)
    login(page, world.reviewers[0])
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()
    for key in ("3", "j", "n", "j", "1"):
        page.keyboard.press(key)
    page.locator("#criterion-safety textarea").fill("No risk raised.")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Submitted. Thank you.")).to_be_visible()
    expect(page.get_by_text("not shown in this project")).to_have_count(0)
    expect(page.get_by_text("No other reviewer has submitted this item yet")).to_be_visible()


def test_an_empty_adjudication_queue_is_not_the_highlighted_action(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    login(page, world.lead)
    page.goto(f"/review/{world.project.slug}/lead/")
    link = page.get_by_role("link", name="0 items to adjudicate")
    expect(link).to_be_visible()
    background = link.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(255, 255, 255)", background  # a secondary button, not the accent
