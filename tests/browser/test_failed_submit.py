"""A submit that fails lists its problems at the top, each linked to its field,
and leaves the reviewer on the item's own address with everything they entered."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.review.reviewer_world import review_world


def test_a_failed_submit_summarises_the_problems_on_the_item_address(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    login(page, world.reviewers[0])
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()
    item_url = page.url
    page.keyboard.press("3")  # empathy 3; homework and safety left open
    page.locator("#review-comment").fill("Warm opening, no plan.")
    page.locator("#submit-review").click()
    page.locator("#confirm-submit").get_by_role("button", name="Submit").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert not re.search(r"/submit/$", page.url), page.url
    assert page.url == item_url
    expect(summary).to_be_focused()
    links = summary.locator("a")
    expect(links).to_have_count(2)  # homework and safety
    expect(links.first).to_have_attribute("href", "#criterion-homework")
    # What the reviewer entered is still there.
    expect(page.locator("input[name='score-empathy'][value='3']")).to_be_checked()
    expect(page.locator("#review-comment")).to_have_value("Warm opening, no plan.")
    links.nth(1).click()
    assert page.evaluate("document.activeElement.closest('fieldset')?.id") == "criterion-safety"
    # Reloading the page asks nothing again and keeps the work.
    page.reload()
    expect(page.locator("input[name='score-empathy'][value='3']")).to_be_checked()
