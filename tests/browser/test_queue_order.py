"""The next item a reviewer is handed, in each queue order a lead can choose."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from review.models import ReviewSettings
from review.services.assignment import assignment_next
from tests.browser.conftest import login
from tests.review.reviewer_world import review_world
from tests.review.triage_world import judge_with_signals


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


def test_the_lead_sees_the_triage_bands_switches_to_triage_and_the_unsure_item_comes_first(
    page: Page,
) -> None:
    world = review_world(items=3, reviewers=1, overlap=1, triage_control_share=Decimal(0))
    sure, also_sure, unsure = world.items
    judge_with_signals(world.project, {sure: 0.0, also_sure: 0.1, unsure: 0.8})

    login(page, world.lead)
    page.goto(f"/review/{world.project.slug}/lead/settings/")
    bands = page.locator(".triage-bands")
    expect(bands).to_contain_text("Before you choose the triage order")
    expect(bands.locator("tr", has_text="Judges unsure or disagreeing")).to_contain_text("1")
    expect(bands.locator("tr", has_text="Judges confident")).to_contain_text("2")
    page.get_by_label("Where the judges are unsure first").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_label("Where the judges are unsure first")).to_be_checked()
    expect(page.locator(".triage-bands")).to_contain_text("The queue uses this order now.")

    page.context.clear_cookies()
    login(page, world.reviewers[0])
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("h1")).to_contain_text(f"Session #{unsure.pk}")
