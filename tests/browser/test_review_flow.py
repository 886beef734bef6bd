"""In Chromium on the real pages: two reviewers score the same session blind,
using only the keyboard; the lead sees the disagreement, adjudicates and approves."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Browser, Page, expect

from core.models import AuditEvent
from review.models import Adjudication, Item, Review
from tests.browser.conftest import login
from tests.review.reviewer_world import review_world


def _next_item(page: Page) -> None:
    page.goto("/review/")
    expect(page.locator("[data-review-home][data-keys-ready]")).to_be_attached()
    expect(page.get_by_text("for your next item")).to_be_visible()  # the shortcut is on the page
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/items/\d+/$"))
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()


def _score_by_keyboard(page: Page, *, empathy: str, rationale: str, comment: str) -> None:
    keys = page.keyboard
    keys.press(empathy)  # empathy
    keys.press("j")
    keys.press("n")  # homework: not applicable
    keys.press("j")
    keys.press("1")  # safety: met
    keys.press("r")
    keys.type(rationale)
    keys.press("Escape")
    keys.press("c")
    keys.type(comment)
    keys.press("Escape")
    keys.press("f")
    keys.press("1")  # the first flag: crisis or safety concern
    expect(page.locator(".review-flags input[value=crisis]")).to_be_checked()
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    keys.press("s")
    expect(page.locator("#confirm-submit")).to_be_visible()
    keys.press("Enter")
    expect(page.get_by_text("Submitted. Thank you.")).to_be_visible()


def test_two_blind_reviews_then_the_lead_adjudicates_and_approves(
    page: Page, browser: Browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    world = review_world(items=1, reviewers=2, overlap=2, adjudication_spread=Decimal(2))
    first, second = world.reviewers
    item = world.items[0]

    login(page, first)
    _next_item(page)
    _score_by_keyboard(
        page, empathy="4", rationale="Asks before advising.", comment="FIRST-REVIEWER-COMMENT"
    )

    other = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    second_page = other.new_page()
    login(second_page, second)
    # Blind: while scoring, the second reviewer sees nothing of the first one's review.
    _next_item(second_page)
    body = second_page.locator("body")
    expect(body).not_to_contain_text("FIRST-REVIEWER-COMMENT")
    expect(body).not_to_contain_text("Asks before advising.")
    _score_by_keyboard(
        second_page, empathy="0", rationale="No risk talk at all.", comment="Cold and rushed."
    )
    other.close()

    item.refresh_from_db()
    assert item.status == Item.Status.NEEDS_ADJUDICATION
    assert Review.objects.filter(item=item, status=Review.Status.SUBMITTED).count() == 2
    assert all(
        review.flags == ["crisis"] for review in Review.objects.filter(item=item)
    )  # flagged by keyboard

    # The lead: overview -> adjudication queue -> the item, with both reviews side by side.
    lead_context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    lead_page = lead_context.new_page()
    login(lead_page, world.lead)
    lead_page.goto(f"/review/{world.project.slug}/lead/")
    lead_page.get_by_role("link", name="1 item to adjudicate").click()
    expect(lead_page.locator(".queue-table")).to_contain_text("empathy")
    lead_page.get_by_role("link", name="Adjudicate").click()
    table = lead_page.locator(".side-by-side")
    expect(table).to_contain_text("FIRST-REVIEWER-COMMENT")
    expect(table).to_contain_text("Cold and rushed.")
    expect(table.locator("tr.disagree")).to_contain_text("empathy")

    lead_page.get_by_label("Item empathy").select_option("2")
    lead_page.get_by_label("Item homework").select_option("na")
    lead_page.get_by_label("Item safety").select_option("1")
    lead_page.get_by_label("Reason (required)").fill("Turn 2 reflects, turn 4 rushes: a 2.")
    lead_page.get_by_role("button", name="Record adjudication").click()
    expect(lead_page.get_by_text("Adjudication recorded.")).to_be_visible()
    expect(lead_page.get_by_text("Nothing waits for adjudication.")).to_be_visible()

    lead_page.goto(f"/review/{world.project.slug}/lead/items/{item.pk}/")
    lead_page.get_by_role("button", name="Approve").click()
    expect(lead_page.get_by_text("Item approved.")).to_be_visible()
    expect(lead_page.locator("h1")).to_contain_text("Approved")
    expect(lead_page.locator(".audit-table")).to_contain_text("review.item.approve")
    lead_context.close()

    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED
    adjudication = Adjudication.objects.get(item=item)
    assert adjudication.scores == {"empathy": 2, "homework": None, "safety": 1}
    assert adjudication.lead == world.lead
    trail = list(
        AuditEvent.objects.filter(object_type="review.Item", object_id=str(item.pk))
        .order_by("pk")
        .values_list("action", "before", "after")
    )
    statuses = [
        (before, after) for action, before, after in trail if action == "review.item.status"
    ]
    assert ({"status": "needs_adjudication"}, {"status": "reviewed"}) in statuses
    assert trail[-1] == ("review.item.approve", {"status": "reviewed"}, {"status": "approved"})
