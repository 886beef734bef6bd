"""The reviewer's pages: start page, next item, scoring, pairwise, skip, edit, blind review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from review.models import Assignment, Review
from review.services.assignment import assignment_next, assignment_skip
from tests.conftest import client_for
from tests.factories import member
from tests.review.factories import ReviewSettingsFactory, SessionItemFactory
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = pytest.mark.django_db


def _url(name, assignment):
    return reverse(
        name, kwargs={"slug": assignment.item.project.slug, "item_id": assignment.item_id}
    )


def test_the_start_page_shows_progress_and_the_next_item_button() -> None:
    world = review_world(items=3, reviewers=1)
    client = client_for(world.reviewers[0])
    page = client.get(reverse("review:home")).content.decode()
    assert world.project.name in page
    assert "0 of 6 reviews" in page
    assert reverse("review:item_next", kwargs={"slug": world.project.slug}) in page

    response = client.post(reverse("review:item_next", kwargs={"slug": world.project.slug}))

    assignment = Assignment.objects.get(reviewer=world.reviewers[0])
    assert response["Location"] == _url("review:item", assignment)
    page = client.get(reverse("review:home")).content.decode()
    assert "Continue your item" in page


def test_a_lead_sees_a_link_to_manage_their_project() -> None:
    world = review_world(items=1)
    page = client_for(world.lead).get(reverse("review:home")).content.decode()
    assert "Manage this project" in page
    assert "Next item" not in page


def test_the_scoring_page_shows_turns_criteria_anchors_and_shortcuts() -> None:
    world = review_world(items=1, guidelines="**Score** <b>only</b> what you read.")
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    page = client_for(world.reviewers[0]).get(_url("review:item", assignment)).content.decode()
    assert 'id="turn-4"' in page
    assert "Let us look at the evidence" in page
    for code in ("empathy", "homework", "safety"):
        assert f'name="score-{code}"' in page
    assert page.count('value="na"') == 1  # only homework allows not applicable
    assert "Excellent" in page  # an anchor, on demand
    assert "Rationale (required)" in page
    assert "Keyboard shortcuts" in page
    assert "js/review.js" in page
    # Guidelines are Markdown; HTML in them is shown as text.
    assert "<strong>Score</strong>" in page
    assert "&lt;b&gt;only&lt;/b&gt;" in page


def test_submitting_with_a_gap_keeps_the_input_and_names_the_criterion() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    form = {**FULL_FORM, "comment": "Kept comment"}
    del form["score-empathy"]
    response = client_for(world.reviewers[0]).post(
        _url("review:item_submit", assignment), form, follow=True
    )
    page = response.content.decode()
    # Back on the item's own address (POST/redirect/GET), with the problems and the input.
    assert response.redirect_chain == [(_url("review:item", assignment), 302)]
    assert "Give a score." in page
    assert "Kept comment" in page
    assert 'name="score-safety" value="1" checked' in page
    assert not Review.objects.filter(status="submitted").exists()


def test_the_draft_autosave_answers_the_status_line() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    saved = client.post(
        _url("review:item_draft", assignment), {"score-empathy": "2"}, HTTP_HX_REQUEST="true"
    )
    assert "Draft saved" in saved.content.decode()
    refused = client.post(
        _url("review:item_draft", assignment), {"score-empathy": "9"}, HTTP_HX_REQUEST="true"
    )
    assert "Draft not saved" in refused.content.decode()
    assert "empathy" in refused.content.decode()
    assert Review.objects.get().scores.get(criterion__code="empathy").value == 2


def test_the_autosave_script_is_told_a_refusal_from_a_save() -> None:
    """A refused draft is 422, so that the script shows why and does not retry it; anything
    else that is not a 200 with the saved line is a failure it retries."""
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    url = _url("review:item_draft", assignment)
    saved = client.post(url, {"score-empathy": "2"}, HTTP_X_REQUESTED_WITH="fetch")
    assert saved.status_code == 200
    assert 'data-state="saved"' in saved.content.decode()
    refused = client.post(url, {"score-empathy": "9"}, HTTP_X_REQUESTED_WITH="fetch")
    assert refused.status_code == 422
    assert 'data-state="refused"' in refused.content.decode()
    assert "Draft not saved" in refused.content.decode()


def test_submit_then_edit_with_a_reason() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    response = client.post(_url("review:item_submit", assignment), FULL_FORM)
    assert response.status_code == 302
    page = client.get(_url("review:item", assignment)).content.decode()
    assert "Submitted" in page
    assert 'name="reason"' in page

    no_reason = client.post(
        _url("review:item_edit", assignment), {**FULL_FORM, "score-empathy": "1"}, follow=True
    )
    assert "Say why you change a submitted review." in no_reason.content.decode()
    client.post(
        _url("review:item_edit", assignment),
        {**FULL_FORM, "score-empathy": "1", "reason": "Missed the interruption in turn 2."},
    )
    review = Review.objects.get()
    assert review.version == 2
    assert review.scores.get(criterion__code="empathy").value == 1


def test_skipping_from_the_page_needs_a_reason() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    client.post(_url("review:item_skip", assignment), {"reason": ""})
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.RESERVED
    client.post(_url("review:item_skip", assignment), {"reason": "Conflict of interest."})
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SKIPPED


def test_a_reviewer_reaches_only_their_own_items() -> None:
    # Breadth first, so the two reviewers hold two different items.
    world = review_world(items=2, reviewers=2, queue_order="breadth")
    mine = assignment_next(project=world.project, reviewer=world.reviewers[0])
    theirs = assignment_next(project=world.project, reviewer=world.reviewers[1])
    client = client_for(world.reviewers[0])
    assert client.get(_url("review:item", mine)).status_code == 200
    assert client.get(_url("review:item", theirs)).status_code == 404
    assert client.post(_url("review:item_submit", theirs), FULL_FORM).status_code == 404


def _two_reviews(reveal: bool):
    world = review_world(items=1, reviewers=2, reveal_after_submit=reveal)
    first = assignment_next(project=world.project, reviewer=world.reviewers[0])
    second = assignment_next(project=world.project, reviewer=world.reviewers[1])
    client_for(world.reviewers[1]).post(
        _url("review:item_submit", second),
        {**FULL_FORM, "rationale-safety": "SECOND REVIEWER RATIONALE", "score-empathy": "0"},
    )
    return world, first


@pytest.mark.parametrize("reveal", [False, True])
def test_others_scores_stay_hidden_until_the_reviewer_has_submitted(reveal) -> None:
    world, first = _two_reviews(reveal)
    client = client_for(world.reviewers[0])
    page = client.get(_url("review:item", first)).content.decode()
    assert "Other reviewers" not in page
    assert "SECOND REVIEWER" not in page
    draft = client.post(_url("review:item_draft", first), {"score-empathy": "4"})
    assert "SECOND REVIEWER" not in client.get(draft["Location"]).content.decode()

    client.post(_url("review:item_submit", first), FULL_FORM)
    page = client.get(_url("review:item", first)).content.decode()
    assert ("Other reviewers:" in page) is reveal
    assert ("scores are not shown in this project" in page) is not reveal
    assert ("SECOND REVIEWER" in page) is reveal


def _scoring_page_queries(django_assert_max_num_queries, turns: int) -> None:
    """A submitted review on a project that shows the others' reviews: the heaviest page."""
    project = review_world(items=0, reveal_after_submit=True).project
    item = SessionItemFactory(
        project=project,
        session__turns=[
            ("client" if i % 2 == 0 else "counselor", f"turn {i}") for i in range(turns)
        ],
    )
    other, reviewer = member(project, Role.REVIEWER), member(project, Role.REVIEWER)
    for user in (other, reviewer):
        assignment = Assignment.objects.create(item=item, reviewer=user)
        client = client_for(user)
        client.post(
            _url("review:item_submit", assignment), {**FULL_FORM, "evidence-empathy": "1 3"}
        )
    with django_assert_max_num_queries(22):
        response = client.get(_url("review:item", assignment))
    page = response.content.decode()
    assert page.count('class="turn turn-') == turns
    assert "Other reviewers:" in page


@pytest.mark.parametrize("turns", [4, 80])
def test_the_scoring_page_runs_a_bounded_number_of_queries(
    turns, django_assert_max_num_queries
) -> None:
    _scoring_page_queries(django_assert_max_num_queries, turns)


def test_the_pairwise_page_shows_both_responses_in_the_recorded_order() -> None:
    world = review_world(items=0, pairs=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    item = assignment.item
    page = client_for(world.reviewers[0]).get(_url("review:item", assignment)).content.decode()
    left = item.candidate_b if assignment.swapped else item.candidate_a
    right = item.candidate_a if assignment.swapped else item.candidate_b
    assert page.index(left.text) < page.index(right.text)
    assert "I cannot sleep since my father died." in page
    assert 'value="both_bad"' in page


def test_the_pages_speak_chinese() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(_url("review:item", assignment)).content.decode()
    assert "键盘快捷键" in page
    assert "提交评审" in page
    assert "Keyboard shortcuts" not in page


def test_a_project_without_items_says_nothing_is_waiting() -> None:
    world = review_world(items=0)
    ReviewSettingsFactory(project=world.project)
    client = client_for(world.reviewers[0])
    response = client.post(reverse("review:item_next", kwargs={"slug": world.project.slug}))
    assert response["Location"] == reverse("review:home")
    assert "Nothing is waiting for you" in client.get(reverse("review:home")).content.decode()


@pytest.mark.parametrize("reveal", [False, True])
def test_others_choices_stay_hidden_until_the_reviewer_has_submitted(reveal) -> None:
    world = review_world(items=0, pairs=1, reviewers=2, reveal_after_submit=reveal)
    first = assignment_next(project=world.project, reviewer=world.reviewers[0])
    second = assignment_next(project=world.project, reviewer=world.reviewers[1])
    client_for(world.reviewers[1]).post(
        _url("review:item_submit", second),
        {"choice": "tie", "rationale": "OTHER PAIR RATIONALE"},
    )
    client = client_for(world.reviewers[0])
    assert "OTHER PAIR RATIONALE" not in client.get(_url("review:item", first)).content.decode()

    response = client.post(_url("review:item_submit", first), {"choice": "left", "strength": "1"})
    assert response.status_code == 302
    page = client.get(_url("review:item", first)).content.decode()
    assert ("OTHER PAIR RATIONALE" in page) is reveal


def test_a_rewrite_only_project_shows_the_conversation_and_a_done_button() -> None:
    world = review_world(items=1, overlap=1)
    world.settings.task_kinds = ["rewrite"]
    world.settings.save()
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    page = client.get(_url("review:item", assignment)).content.decode()
    assert 'name="score-empathy"' not in page
    assert "Rewrite this turn" in page
    assert "Done with this session" in page

    assert (
        "Say why your version is better."
        in client.post(
            _url("review:item_rewrite", assignment),
            {"turn": "4", "text": "What would a friend say?", "rationale": ""},
        ).content.decode()
    )
    client.post(_url("review:item_finish", assignment))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED


def test_your_work_lists_the_reviewers_own_slots_only() -> None:
    world = review_world(items=2, reviewers=2)
    mine = assignment_next(project=world.project, reviewer=world.reviewers[0])
    assignment_skip(assignment=mine, reason="Knows the client.")
    theirs = assignment_next(project=world.project, reviewer=world.reviewers[1])
    page = (
        client_for(world.reviewers[0])
        .get(reverse("review:my_work", kwargs={"slug": world.project.slug}))
        .content.decode()
    )
    assert f"#{mine.item_id}" in page
    assert "Knows the client." in page
    assert _url("review:item", theirs) not in page


def test_an_expired_reservation_is_pointed_out() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    client = client_for(world.reviewers[0])
    assert "Reserved for you until" in client.get(_url("review:item", assignment)).content.decode()
    Assignment.objects.filter(pk=assignment.pk).update(
        reserved_until=timezone.now() - timedelta(minutes=1)
    )
    page = client.get(_url("review:item", assignment)).content.decode()
    assert "Your reservation has expired." in page
