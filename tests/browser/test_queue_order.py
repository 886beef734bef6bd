"""The next item a reviewer is handed, in each queue order a lead can choose."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from review.models import ReviewSettings
from review.services.assignment import assignment_next
from tests.browser.conftest import login
from tests.review.reviewer_world import review_world


@pytest.mark.parametrize(
    ("order", "label", "expected"),
    [("depth", "Complete items first", 0), ("breadth", "Spread over items first", 1)],
)
def test_the_lead_chooses_the_queue_order_and_the_next_reviewer_gets_it(
    page: Page, order: str, label: str, expected: int
) -> None:
    world = review_world(items=3, reviewers=2, overlap=2)
    first, second = world.reviewers
    assert assignment_next(project=world.project, reviewer=first).item == world.items[0]

    login(page, world.lead)
    page.goto(f"/review/{world.project.slug}/lead/settings/")
    page.get_by_label(label).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_label(label)).to_be_checked()
    assert ReviewSettings.objects.get(project=world.project).queue_order == order

    page.context.clear_cookies()
    login(page, second)
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("h1")).to_contain_text(f"Session #{world.items[expected].pk}")
