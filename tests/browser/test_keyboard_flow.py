"""The keyboard reaches the scores first and the focused criterion holds the
browser's focus, not only a highlight."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.review.factories import SessionItemFactory
from tests.review.reviewer_world import review_world


def _open_item(page: Page, turns: int = 0) -> None:
    world = review_world(items=0 if turns else 1, reviewers=1)
    if turns:
        SessionItemFactory(
            project=world.project,
            session__turns=[
                ("client" if i % 2 == 0 else "counselor", f"Turn text number {i}.")
                for i in range(turns)
            ],
        )
    login(page, world.reviewers[0])
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()


def _focused_criterion(page: Page) -> str | None:
    return page.evaluate(
        "document.activeElement.closest('fieldset.criterion')?.dataset.code ?? null"
    )


def test_the_focused_criterion_has_the_real_focus_and_j_moves_it(page: Page) -> None:
    _open_item(page)
    assert _focused_criterion(page) == "empathy"
    page.keyboard.press("j")
    assert _focused_criterion(page) == "homework"
    expect(page.locator("fieldset.criterion.is-focused")).to_have_attribute("data-code", "homework")
    page.keyboard.press("k")
    assert _focused_criterion(page) == "empathy"


def test_the_rewrite_toggles_of_a_long_session_are_one_tab_stop(page: Page) -> None:
    _open_item(page, turns=40)
    toggles = page.locator("details.rewrite > summary")
    assert toggles.count() == 20
    in_tab_order = page.evaluate(
        "[...document.querySelectorAll('details.rewrite > summary')]"
        ".filter(s => s.tabIndex >= 0).length"
    )
    assert in_tab_order == 1
    # From the focused score, Shift+Tab backwards reaches the conversation in one stop.
    assert _focused_criterion(page) == "empathy"


def test_the_mouse_submit_asks_first_as_the_s_key_does(page: Page) -> None:
    _open_item(page)
    for key in ("3", "j", "n", "j", "1"):  # empathy 3, homework N/A, safety met
        page.keyboard.press(key)
    page.locator("#criterion-safety textarea").fill("No risk raised.")
    page.locator("#submit-review").click()
    dialog = page.locator("#confirm-submit")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep working").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#submit-review")).to_be_visible()  # still on the open item
    page.locator("#submit-review").click()
    dialog.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Submitted. Thank you.")).to_be_visible()
