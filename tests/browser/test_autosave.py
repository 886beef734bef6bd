"""Issue 15, item 4: a draft save that fails never reads as saved, is retried until it lands, and
nothing picked just before leaving the page is lost."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, Route, expect

from review.models import Assignment, PairwiseJudgment, Review
from tests.browser.conftest import login
from tests.review.reviewer_world import review_world

DRAFT_URL = re.compile(r"/draft/$")


@pytest.fixture
def page(browser: Browser, live_server, transactional_db) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """The harness's page, except that the failures these tests cause on purpose (a draft
    request aborted or answered 502) are expected in the console; any other error is not."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    page = context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type != "error":
            return
        if "Failed to load resource" in message.text and "/draft/" in message.location["url"]:
            return
        errors.append(message.text)

    page.on("console", on_console)
    # Every text the status line ever shows, so a test can tell it never claimed "saved".
    page.add_init_script(
        """
        window.__statusTexts = [];
        document.addEventListener("DOMContentLoaded", () => {
          const record = () => {
            const line = document.getElementById("save-status");
            if (line) window.__statusTexts.push(line.textContent.trim());
          };
          new MutationObserver(record).observe(document.body, {
            subtree: true, childList: true, characterData: true,
          });
        });
        """
    )
    yield page
    context.close()
    assert errors == [], errors


def _open_item(page: Page, world) -> None:  # type: ignore[no-untyped-def]
    login(page, world.reviewers[0])
    page.goto("/review/")
    page.locator("[data-next-item]").click()
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()


def _statuses(page: Page) -> list[str]:
    return page.evaluate("window.__statusTexts.slice()")


def _draft_score(reviewer, code: str) -> int | None:  # type: ignore[no-untyped-def]
    review = Review.objects.filter(reviewer=reviewer).first()
    if review is None:
        return None
    score = review.scores.filter(criterion__code=code).first()
    return None if score is None else score.value


@pytest.mark.parametrize("failure", ["abort", "502"])
def test_a_failing_draft_save_says_not_saved_and_retries_until_it_lands(
    page: Page, failure: str
) -> None:
    world = review_world(items=1, reviewers=1)
    _open_item(page, world)
    page.keyboard.press("2")  # empathy 2, saved while the network is fine
    expect(page.locator("#save-status")).to_contain_text("Draft saved")

    failing = {"on": True, "seen": 0}

    def draft_route(route: Route) -> None:
        if not failing["on"]:
            route.continue_()
            return
        failing["seen"] += 1
        if failure == "abort":
            route.abort()
        else:
            route.fulfill(status=502, body="Bad gateway", content_type="text/html")

    page.route(DRAFT_URL, draft_route)
    page.keyboard.press("j")
    page.keyboard.press("3")  # homework 3
    page.locator("#review-comment").fill("Kept through an outage.")

    status = page.locator("#save-status")
    expect(status).to_contain_text("Not saved, retrying")
    # From the first failure on, it keeps trying, with pauses, and never claims "saved".
    page.evaluate("window.__statusTexts = []")
    page.wait_for_timeout(3_500)
    assert failing["seen"] >= 2, failing
    assert not any("Draft saved" in text for text in _statuses(page)), _statuses(page)
    expect(status).to_contain_text("Not saved, retrying")

    failing["on"] = False
    expect(status).to_contain_text(re.compile(r"Draft saved \d\d:\d\d:\d\d"), timeout=20_000)
    page.reload()
    expect(page.locator("input[name='score-empathy'][value='2']")).to_be_checked()
    expect(page.locator("input[name='score-homework'][value='3']")).to_be_checked()
    expect(page.locator("#review-comment")).to_have_value("Kept through an outage.")


def test_a_refused_draft_is_not_retried_and_says_why(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    _open_item(page, world)
    calls = {"n": 0}

    def count(route: Route) -> None:
        calls["n"] += 1
        route.continue_()

    page.route(DRAFT_URL, count)
    # A rationale over the limit: the server refuses it (a validation answer), and saying it
    # again cannot help.
    page.locator("#criterion-empathy details.rationale summary").click()
    page.locator("textarea[name='rationale-empathy']").evaluate(
        "(box) => { box.removeAttribute('maxlength'); box.value = 'x'.repeat(200000);"
        " box.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    expect(page.locator("#save-status")).to_contain_text("Draft not saved")
    page.wait_for_timeout(2_500)
    assert calls["n"] == 1
    expect(page.locator("#save-status")).not_to_contain_text("retrying")


def test_leaving_with_unsaved_changes_asks_first(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    _open_item(page, world)
    page.route(DRAFT_URL, lambda route: route.abort())
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_contain_text("Not saved, retrying")

    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    page.close(run_before_unload=True)
    deadline = time.monotonic() + 5
    while not dialogs and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert dialogs == ["beforeunload"]
    assert not page.is_closed()


def test_leaving_with_everything_saved_asks_nothing(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    _open_item(page, world)
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.goto("/review/")
    assert dialogs == []


def test_a_score_picked_just_before_the_tab_closes_is_kept(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    reviewer = world.reviewers[0]
    _open_item(page, world)
    page.keyboard.press("4")  # empathy 4, and the tab closes at once
    page.close()

    deadline = time.monotonic() + 10
    while _draft_score(reviewer, "empathy") != 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _draft_score(reviewer, "empathy") == 4


def test_submitting_while_drafts_fail_keeps_the_work(page: Page) -> None:
    """The submit carries everything on the page: it is not held up by the failing drafts, no
    leave-the-page question stops it, and what was typed last is what is submitted."""
    world = review_world(items=1, reviewers=1)
    reviewer = world.reviewers[0]
    _open_item(page, world)
    page.route(DRAFT_URL, lambda route: route.abort())
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    keys = page.keyboard
    keys.press("3")
    keys.press("j")
    keys.press("n")
    keys.press("j")
    keys.press("1")
    keys.press("r")
    keys.type("No risk raised.")
    keys.press("Escape")
    keys.press("s")
    keys.press("Enter")
    expect(page.get_by_text("Submitted. Thank you.")).to_be_visible()
    assert dialogs == []
    review = Review.objects.get(reviewer=reviewer)
    assert review.status == Review.Status.SUBMITTED
    assert {s.criterion.code: s.value for s in review.scores.all()}["empathy"] == 3
    assert Assignment.objects.get(reviewer=reviewer).status == Assignment.Status.SUBMITTED


def test_a_refused_submit_keeps_a_score_picked_just_before(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    reviewer = world.reviewers[0]
    _open_item(page, world)
    page.keyboard.press("4")  # empathy 4, then submit at once (homework and safety are open)
    page.keyboard.press("s")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_visible()
    assert _draft_score(reviewer, "empathy") == 4
    page.reload()
    expect(page.locator("input[name='score-empathy'][value='4']")).to_be_checked()


def test_a_pair_choice_made_just_before_the_tab_closes_is_kept(page: Page) -> None:
    world = review_world(items=0, reviewers=1, pairs=1)
    reviewer = world.reviewers[0]
    _open_item(page, world)
    expect(page.locator("h1")).to_contain_text("Pair #")
    page.keyboard.press("t")  # a tie
    page.close()

    deadline = time.monotonic() + 10
    judgment = None
    while time.monotonic() < deadline:
        judgment = PairwiseJudgment.objects.filter(reviewer=reviewer).first()
        if judgment is not None and judgment.choice == "tie":
            break
        time.sleep(0.1)
    assert judgment is not None
    assert judgment.choice == "tie"


def test_the_not_saved_line_is_in_the_readers_language(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    _open_item(page, world)
    page.locator("form.langswitch button[value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()
    page.route(DRAFT_URL, lambda route: route.abort())
    page.keyboard.press("2")
    expect(page.locator("#save-status")).to_contain_text("未保存，正在重试…")
