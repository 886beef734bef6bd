"""What a lead reads on the destructive buttons, the screening flags
and the agreement tables, measured in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from core.models import Role
from dialogues.models import Session
from tests.browser.conftest import login
from tests.browser.measure import broken_words, colours
from tests.dialogues.importing import conversation, jsonl, run_import
from tests.factories import ProjectFactory, member
from tests.review.reviewer_world import review_world
from tests.review.test_agreement_service import lenient_judge, scored_project


def _readable(page: Page, button_name: str) -> None:
    button = page.get_by_role("button", name=button_name).first
    expect(button).to_be_visible()
    color, background = colours(button)
    assert color != background, (color, background)
    # Not white on red either: the destructive action reads as red text on the page's surface.
    assert background == "rgb(255, 255, 255)", background
    assert color == "rgb(162, 59, 59)", color


def test_reject_and_remove_read_red_on_white_until_hovered(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    item = world.items[0]
    login(page, world.lead)
    page.goto(f"/review/{world.project.slug}/lead/items/{item.pk}/")
    _readable(page, "Reject")
    page.get_by_role("button", name="Reject").hover()
    color, background = colours(page.get_by_role("button", name="Reject"))
    assert (color, background) == ("rgb(255, 255, 255)", "rgb(162, 59, 59)")

    page.goto(f"/review/{world.project.slug}/lead/members/")
    _readable(page, "Remove")


def test_the_screening_flags_table_keeps_its_columns_readable(page: Page) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    turns = []
    for index in range(12):
        turns.append(
            ("client", f"Some days I want to kill myself, week {index}. My phone is 13812345678.")
        )
        turns.append(
            ("counselor", "Have you had thoughts of ending your life? Call me at lead@example.org.")
        )
    run_import(project, [("risk.jsonl", jsonl(conversation(*turns, id="counselchat-1")))])
    session = Session.objects.get()

    login(page, lead)
    page.goto(f"/sessions/{session.pk}/")
    table = page.locator(".flags-table")
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert broken_words(table) == []
    # Each column is wide enough for a word of its header, not one character per line.
    for header in ("Kind", "Where", "Matched text"):
        width = table.locator("th", has_text=header).bounding_box()["width"]
        assert width >= 60, (header, width)


def test_agreement_tables_never_cut_a_word_and_disagreements_come_one_row_per_item(
    page: Page,
) -> None:
    project, rubric, items = scored_project()
    lead = member(project, Role.LEAD, "lead")
    lenient_judge(project, rubric, items)

    login(page, lead)
    for width in (1280, 900):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/review/{project.slug}/agreement/")
        for details in page.locator("details").all():
            details.evaluate("d => d.open = true")
        assert broken_words(page.locator("main table")) == [], width

    rows = page.locator("#disagreements tbody tr")
    shown = [rows.nth(i).get_attribute("data-item") for i in range(rows.count())]
    assert shown, "the reviewers disagree on some items"
    assert len(shown) == len(set(shown)), shown  # one row per item ...
    first = rows.first
    # ... naming both criteria where the reviewers disagree, with one send-back form.
    expect(first).to_contain_text("Warmth")
    expect(first).to_contain_text("Structure")
    expect(first.get_by_role("button", name="Send back to review")).to_have_count(1)
