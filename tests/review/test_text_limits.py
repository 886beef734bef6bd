"""Free-text fields have a documented maximum length: a huge comment is refused, not stored."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse

from core.limits import TEXT_MAX_CHARS
from review.models import Adjudication, Assignment, Item, Review, ReviewRevision, Rewrite
from review.services.adjudication import AdjudicationError, item_adjudicate
from review.services.approval import ApprovalError, item_reject
from review.services.assignment import AssignmentError, assignment_next, assignment_skip
from review.services.item_status import item_status_refresh
from review.services.pairwise import judgment_edit, judgment_input_from_form, judgment_submit
from review.services.reviewing import (
    ReviewError,
    review_edit,
    review_input_from_form,
    review_submit,
)
from review.services.rewrites import rewrite_create
from tests.conftest import client_for
from tests.review.factories import SessionItemFactory
from tests.review.lead_fixtures import published_rubric, scoring_settings, submit_review
from tests.review.reviewer_world import FULL_FORM, review_world
from tests.review.test_api import complete, setup, token_client, url  # noqa: F401

pytestmark = pytest.mark.django_db

HUGE = "x" * 200_000


def _url(name, assignment):
    return reverse(
        name, kwargs={"slug": assignment.item.project.slug, "item_id": assignment.item_id}
    )


def test_the_limit_is_generous_but_far_below_a_huge_paste() -> None:
    assert 1_000 <= TEXT_MAX_CHARS < len(HUGE)


def test_a_huge_comment_on_the_scoring_page_is_refused_on_the_field() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    form = {**FULL_FORM, "comment": "Kept start " + HUGE}
    response = client_for(world.reviewers[0]).post(
        _url("review:item_submit", assignment), form, follow=True
    )
    page = response.content.decode()
    assert f"at most {TEXT_MAX_CHARS:,}" in page or f"at most {TEXT_MAX_CHARS}" in page
    assert "Kept start" in page
    assert f'maxlength="{TEXT_MAX_CHARS}"' in page
    assert not Review.objects.filter(status="submitted").exists()


def test_a_huge_rationale_in_a_draft_autosave_is_refused() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    refused = client_for(world.reviewers[0]).post(
        _url("review:item_draft", assignment),
        {"score-empathy": "2", "comment": HUGE},
        HTTP_HX_REQUEST="true",
    )
    body = refused.content.decode()
    assert "Draft not saved" in body
    assert "comment" in body.lower()
    assert not Review.objects.exists()


def test_a_huge_comment_through_the_api_answers_400_naming_the_field(setup) -> None:  # noqa: F811
    project = setup["project"]
    item = SessionItemFactory(project=project)
    client = token_client(setup["ada"])
    client.post(url("api_review_next", project))

    submitted = client.post(
        url("api_review_submit", project, item.pk), {**complete(), "comment": HUGE}, format="json"
    )
    draft = client.put(url("api_review_draft", project, item.pk), {"comment": HUGE}, format="json")
    rationale = complete()
    rationale["scores"]["safety"]["rationale"] = HUGE
    with_rationale = client.post(
        url("api_review_submit", project, item.pk), rationale, format="json"
    )

    assert submitted.status_code == 400
    assert "comment" in submitted.json()["problems"]
    assert draft.status_code == 400
    assert "comment" in draft.json()["problems"]
    assert with_rationale.status_code == 400
    assert "safety" in str(with_rationale.json()["problems"])
    assert not Review.objects.filter(comment=HUGE).exists()


def test_the_schema_declares_the_limit() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemas = schema["components"]["schemas"]
    review_in = next(v for k, v in schemas.items() if k.startswith("ReviewIn"))["properties"]
    assert review_in["comment"]["maxLength"] == TEXT_MAX_CHARS
    judgment_in = next(v for k, v in schemas.items() if k.startswith("JudgmentIn"))
    assert judgment_in["properties"]["rationale"]["maxLength"] == TEXT_MAX_CHARS


def test_a_huge_pair_rationale_or_edit_reason_is_refused() -> None:
    world = review_world(items=0, pairs=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    data = QueryDict(mutable=True)
    data.update({"choice": "tie", "rationale": HUGE})
    with pytest.raises(ReviewError) as error:
        judgment_submit(
            assignment=assignment, data=judgment_input_from_form(data=data, assignment=assignment)
        )
    assert set(error.value.problems) == {"rationale"}
    assert str(TEXT_MAX_CHARS) in error.value.problems["rationale"]
    data["rationale"] = "Both fine."
    judgment = judgment_submit(
        assignment=assignment, data=judgment_input_from_form(data=data, assignment=assignment)
    )
    with pytest.raises(ReviewError) as error:
        judgment_edit(
            judgment=judgment,
            data=judgment_input_from_form(data=data, assignment=assignment),
            reason=HUGE,
            user=world.reviewers[0],
        )
    assert set(error.value.problems) == {"reason"}


def test_a_huge_rewrite_rationale_and_an_overlong_rewrite_are_refused(settings) -> None:
    settings.IMPORT_MAX_TURN_CHARS = 500
    world = review_world(items=1)
    reviewer = world.reviewers[0]
    assignment_next(project=world.project, reviewer=reviewer)
    with pytest.raises(ReviewError) as error:
        rewrite_create(
            item=world.items[0], reviewer=reviewer, turn_index=3, text="y" * 501, rationale=HUGE
        )
    assert set(error.value.problems) == {"text", "rationale"}
    assert "500" in error.value.problems["text"]
    assert not Rewrite.objects.exists()


def test_a_huge_skip_reason_is_refused_and_the_slot_kept() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    with pytest.raises(AssignmentError, match=str(TEXT_MAX_CHARS)):
        assignment_skip(assignment=assignment, reason=HUGE)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.RESERVED


def test_a_huge_edit_reason_on_a_review_is_refused() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    data = QueryDict(mutable=True)
    data.update(FULL_FORM)
    review = review_submit(
        assignment=assignment, data=review_input_from_form(data=data, rubric=world.rubric)
    )
    with pytest.raises(ReviewError) as error:
        review_edit(
            review=review,
            data=review_input_from_form(data=data, rubric=world.rubric),
            reason=HUGE,
            user=world.reviewers[0],
        )
    assert set(error.value.problems) == {"reason"}
    assert not ReviewRevision.objects.exists()


def test_a_huge_adjudication_or_rejection_reason_is_refused(world) -> None:
    rubric = published_rubric()
    scoring_settings(world.project, rubric, overlap=2, adjudication_spread=Decimal(2))
    item = SessionItemFactory(project=world.project)
    submit_review(item, rubric, empathy=0, focus=2)
    submit_review(item, rubric, empathy=4, focus=2)
    item = item_status_refresh(item=item)
    with pytest.raises(AdjudicationError) as caught:
        item_adjudicate(item=item, lead=world.lead, reason=HUGE, scores={"empathy": 3, "focus": 2})
    assert str(TEXT_MAX_CHARS) in " ".join(caught.value.problems)
    assert not Adjudication.objects.exists()
    with pytest.raises(ApprovalError, match=str(TEXT_MAX_CHARS)):
        item_reject(item=item, actor=world.lead, reason=HUGE)
    item.refresh_from_db()
    assert item.status == Item.Status.NEEDS_ADJUDICATION


def test_approving_from_the_item_page_with_a_huge_reason_is_refused_not_approved(world) -> None:
    rubric = published_rubric()
    scoring_settings(world.project, rubric, overlap=2)
    item = SessionItemFactory(project=world.project)
    submit_review(item, rubric, empathy=3, focus=3)
    submit_review(item, rubric, empathy=3, focus=3)
    item_status_refresh(item=item)
    lead = client_for(world.lead)
    response = lead.post(
        reverse("review:lead_item_decide", args=[world.project.slug, item.pk]),
        {"decision": "approve", "reason": HUGE},
        follow=True,
    )
    item.refresh_from_db()
    assert item.status == Item.Status.REVIEWED
    assert str(TEXT_MAX_CHARS) in response.content.decode()
