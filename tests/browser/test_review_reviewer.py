"""A reviewer's work, in Chromium on the real pages.

A reviewer scores a session with the keyboard only, states a pairwise preference whose random
left/right order is recorded, and rewrites a counselor turn into a candidate pair.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from dialogues.models import Candidate
from review.models import Assignment, PairwiseJudgment, Review, Rewrite
from tests.browser.conftest import login
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.reviewer_world import review_world
from tests.rubrics.factories import CriterionFactory, RubricFactory


def _next_item(page: Page) -> None:
    """From the start page to the next item, by keyboard."""
    page.goto("/review/")
    expect(page.locator("[data-review-home][data-keys-ready]")).to_be_attached()
    expect(page.get_by_text("for your next item")).to_be_visible()  # the shortcut is on the page
    # The key printed on the button is readable: in the button's own colour, on no background
    # of its own (it once was white on white).
    key, button = (
        page.locator(selector).evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        for selector in ("[data-next-item] kbd", "[data-next-item]")
    )
    assert key == [button[0], "rgba(0, 0, 0, 0)"]
    assert button[0] != button[1]
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"/items/\d+/$"))
    expect(page.locator("[data-review-page][data-keys-ready]")).to_be_attached()


def test_a_reviewer_scores_a_session_with_the_keyboard_only(page: Page) -> None:
    world = review_world(items=2, reviewers=1)
    reviewer = world.reviewers[0]
    login(page, reviewer)
    _next_item(page)
    expect(page.locator("h1")).to_contain_text("Session #")
    expect(page.locator("fieldset.criterion.is-focused")).to_have_attribute("data-code", "empathy")

    keys = page.keyboard
    keys.press("3")  # empathy 3
    keys.press("]")  # focus turn 1 ...
    keys.press("e")  # ... and cite it
    for _turn in range(3):
        keys.press("]")
    keys.press("e")  # cite turn 4
    expect(page.locator("#criterion-empathy .evidence-list")).to_have_text("1 4")
    keys.press("j")
    keys.press("n")  # homework: not applicable
    keys.press("j")
    keys.press("1")  # safety: met
    keys.press("r")
    keys.type("No risk statements; the counselor keeps to the exam worry.")
    keys.press("Escape")
    keys.press("c")
    keys.type("Warm, structured session.")
    keys.press("Escape")
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    keys.press("s")
    expect(page.locator("#confirm-submit")).to_be_visible()
    keys.press("Enter")

    expect(page.get_by_text("Submitted. Thank you.")).to_be_visible()
    review = Review.objects.get(reviewer=reviewer)
    assert review.status == Review.Status.SUBMITTED
    scores = {score.criterion.code: score for score in review.scores.all()}
    assert scores["empathy"].value == 3
    assert scores["empathy"].evidence_turns == [0, 3]
    assert scores["homework"].not_applicable is True
    assert scores["safety"].value == 1
    assert scores["safety"].rationale.startswith("No risk statements")
    assert review.comment == "Warm, structured session."
    assert Assignment.objects.get(reviewer=reviewer).status == Assignment.Status.SUBMITTED

    # Enter goes on to the next item.
    expect(page.locator("#next-item")).to_be_focused()
    keys.press("Enter")
    expect(page.locator("h1")).to_contain_text(f"Session #{world.items[1].pk}")


@pytest.mark.parametrize("swapped", [False, True], ids=["a-left", "b-left"])
def test_a_pairwise_choice_is_stored_for_the_candidate_shown(page: Page, swapped: bool) -> None:
    principles = RubricFactory(status="published", scope="response_pair")
    CriterionFactory(rubric=principles, code="empathy", position=1, title={"en": "Empathy"})
    CriterionFactory(rubric=principles, code="honesty", position=2, title={"en": "Honesty"})
    world = review_world(items=0, pairs=1, reviewers=1, pair_rubric=principles)
    reviewer = world.reviewers[0]
    login(page, reviewer)
    _next_item(page)
    expect(page.locator("h1")).to_contain_text("Pair #")
    # The order was drawn when the slot was taken; fix it to test both orders, then reload.
    Assignment.objects.filter(reviewer=reviewer).update(swapped=swapped)
    page.reload()
    expect(page.locator("[data-keys-ready]")).to_be_attached()
    left_text = page.locator("#response-left .turn-text").inner_text()

    page.keyboard.press("a")  # the left response is better
    page.keyboard.press("+")  # slightly
    page.keyboard.press("+")  # clearly
    page.keyboard.press("j")  # the first principle, empathy ...
    page.keyboard.press("h")  # ... left
    page.keyboard.press("j")  # honesty ...
    page.keyboard.press("m")  # ... a tie
    expect(page.locator("input[name=principle-empathy][value=left]")).to_be_checked()
    page.keyboard.press("r")
    page.keyboard.type("Names the grief before offering sleep advice.")
    page.keyboard.press("Escape")
    page.keyboard.press("s")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Submitted. Thank you.")).to_be_visible()
    judgment = PairwiseJudgment.objects.get(reviewer=reviewer)
    item = judgment.item
    chosen = item.candidate_a if judgment.choice == "a" else item.candidate_b
    assert chosen.text == left_text
    assert judgment.choice == ("b" if swapped else "a")
    assert judgment.strength == PairwiseJudgment.Strength.CLEAR
    left = "b" if swapped else "a"
    assert judgment.principle_choices == {"empathy": left, "honesty": "tie"}
    assert judgment.assignment.swapped is swapped


def test_a_click_cites_a_turn_and_a_rewrite_becomes_a_candidate_pair(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    reviewer = world.reviewers[0]
    login(page, reviewer)
    _next_item(page)

    # A click on a turn cites it as evidence for the focused criterion.
    page.locator("#turn-3 .turn-text").click()
    expect(page.locator("#criterion-empathy .evidence-list")).to_have_text("3")
    expect(page.locator("#save-status")).to_contain_text("Draft saved")
    assert Review.objects.get(reviewer=reviewer).scores.get().evidence_turns == [2]

    page.keyboard.press("[")  # turn 2, a counselor turn
    page.keyboard.press("w")
    editor = page.locator("#rewrite-text-2")
    expect(editor).to_be_focused()
    editor.fill("It sounds exhausting. What do you notice in your body when you sit down to study?")
    page.keyboard.press("Tab")
    page.keyboard.type("Reflects first, then explores before moving to thoughts.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your rewrite of turn 2 is saved.")).to_be_visible()
    expect(page.locator("#turn-2 .turn-rewrite")).to_contain_text("What do you notice")
    rewrite = Rewrite.objects.get(reviewer=reviewer)
    assert rewrite.turn_index == 1
    assert rewrite.original.origin == Candidate.Origin.ORIGINAL
    assert rewrite.original.text == "That sounds heavy. What goes through your mind when you study?"
    assert rewrite.rewrite.origin == Candidate.Origin.REWRITE
    assert rewrite.rewrite.text.startswith("It sounds exhausting.")
    assert rewrite.rationale.startswith("Reflects first")


@pytest.mark.parametrize("opened_by", ["key", "click"])
def test_a_typed_rewrite_is_saved_without_the_original(page: Page, opened_by: str) -> None:
    """Typing straight into a freshly opened rewrite box saves what was typed, nothing more
    (the box once opened holding the original with the caret in front of it, and the saved
    rewrite was the typed text followed by the whole original turn)."""
    world = review_world(items=1, reviewers=1)
    reviewer = world.reviewers[0]
    login(page, reviewer)
    _next_item(page)
    original = "That sounds heavy. What goes through your mind when you study?"

    if opened_by == "key":
        page.keyboard.press("]")  # turn 1
        page.keyboard.press("]")  # turn 2, a counselor turn
        page.keyboard.press("w")
    else:
        page.locator("#turn-2 details.rewrite summary").click()
        page.locator("#rewrite-text-2").click()
    editor = page.locator("#rewrite-text-2")
    expect(editor).to_be_focused()
    page.keyboard.type("听起来很累。你坐下来学习的时候，身体有什么感觉？")
    page.keyboard.press("Tab")
    page.keyboard.type("Reflects first.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Your rewrite of turn 2 is saved.")).to_be_visible()
    rewrite = Rewrite.objects.get(reviewer=reviewer)
    assert rewrite.rewrite.text == "听起来很累。你坐下来学习的时候，身体有什么感觉？"
    # The original stays in sight beside the (empty) box, to work from.
    page.locator("#turn-2 details.rewrite summary").click()
    expect(page.locator("#turn-2 .rewrite-original")).to_contain_text(original)
    expect(page.locator("#rewrite-text-2")).to_have_value("")


def test_a_rewrite_that_keeps_the_original_is_refused_on_the_page(page: Page) -> None:
    world = review_world(items=1, reviewers=1)
    reviewer = world.reviewers[0]
    login(page, reviewer)
    _next_item(page)
    original = "That sounds heavy. What goes through your mind when you study?"

    page.locator("#turn-2 details.rewrite summary").click()
    page.locator("#rewrite-text-2").fill(f"It sounds exhausting. {original}")
    page.locator("#rewrite-rationale-2").fill("Reflects first.")
    page.locator("#turn-2 .rewrite-form button[type=submit]").click()

    expect(page.locator("#turn-2 .form-errors")).to_contain_text("contains the whole original")
    assert not Rewrite.objects.exists()
    # What the reviewer typed is kept for them to correct.
    expect(page.locator("#rewrite-text-2")).to_have_value(f"It sounds exhausting. {original}")


LONG_CHINESE = "我最近总是睡不着觉，脑子里一直反复想着考试失败以后家里人会怎么看我" * 10


@pytest.mark.parametrize("kind", ["session", "pair"])
def test_long_chinese_text_never_widens_the_page(page: Page, kind: str) -> None:
    world = review_world(items=0, reviewers=1)
    reviewer = world.reviewers[0]
    turns = [("client", LONG_CHINESE), ("counselor", "听起来你承受了很大的压力。" * 30)]
    if kind == "session":
        SessionItemFactory(project=world.project, session__language="zh", session__turns=turns)
    else:
        PairItemFactory(
            project=world.project,
            session__language="zh",
            session__turns=turns[:1],
            candidate_a__text="我能理解你的担心。" * 40,
            candidate_b__text="考试" * 100 + "https://example.org/" + "x" * 300,
        )
    login(page, reviewer)
    page.goto("/review/")
    page.locator("form.langswitch button[value=zh-hans]").click()
    page.get_by_role("button", name="下一个条目").click()
    expect(page.locator("[data-keys-ready]")).to_be_attached()
    for width in (1280, 820):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
