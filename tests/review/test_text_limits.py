"""Free-text fields have a documented maximum length: a huge comment is refused, not stored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.limits import TEXT_MAX_CHARS
from review.models import Review
from review.services.assignment import assignment_next
from tests.conftest import client_for
from tests.review.factories import SessionItemFactory
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
