"""The lead's item page shows the latest events of its audit trail, and the
rest only when asked for, so the page stays short."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from core.audit import AuditAction, audit_record
from tests.browser.conftest import login
from tests.review.factories import SessionItemFactory
from tests.review.reviewer_world import review_world


def test_the_audit_trail_is_summarised_and_the_rest_loads_on_demand(page: Page) -> None:
    world = review_world(items=0, reviewers=1)
    item = SessionItemFactory(project=world.project)
    for number in range(30):
        audit_record(
            actor=world.lead,
            action=AuditAction.REVIEW_EDIT,
            obj=item,
            project=world.project,
            before={"scores": {"empathy": number}},
            after={"scores": {"empathy": number + 1}},
            reason=f"Event number {number}",
        )
    login(page, world.lead)
    page.goto(f"/review/{world.project.slug}/lead/items/{item.pk}/")

    trail = page.locator("#audit-trail")
    expect(trail.get_by_text("Event number 29")).to_be_visible()  # the latest first
    expect(trail.locator("tbody tr")).to_have_count(5)
    expect(trail.get_by_text("Event number 0", exact=True)).to_have_count(0)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 3000, height

    trail.get_by_text("All 30 events").click()
    expect(trail.get_by_text("Event number 0", exact=True)).to_be_visible()
    expect(trail.locator("#audit-all tbody tr")).to_have_count(30)
