"""Blind review: who sees whose scores, decided in review.selectors.access."""

from __future__ import annotations

import pytest
from django.http import Http404

from core.models import Role
from review.models import Assignment, Review
from review.selectors.access import (
    item_get_for_user,
    reviews_visible_to,
    user_sees_judges,
)
from rubrics.models import Rubric
from tests.factories import member
from tests.review.factories import (
    AssignmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    SessionItemFactory,
)
from tests.rubrics.factories import RubricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    rubric = RubricFactory(status=Rubric.Status.PUBLISHED)
    item = SessionItemFactory(project=world.project)
    second = member(world.project, Role.REVIEWER, "second")
    mine = ReviewFactory(
        assignment=AssignmentFactory(item=item, reviewer=world.reviewer), rubric=rubric
    )
    theirs = ReviewFactory(
        assignment=AssignmentFactory(
            item=item, reviewer=second, status=Assignment.Status.SUBMITTED
        ),
        rubric=rubric,
        status=Review.Status.SUBMITTED,
    )
    return item, mine, theirs, second


def _submit(review):
    review.status = Review.Status.SUBMITTED
    review.save()
    Assignment.objects.filter(pk=review.assignment_id).update(status=Assignment.Status.SUBMITTED)


def test_a_reviewer_sees_only_their_own_review_before_submitting(world, scene):
    item, mine, _theirs, _second = scene
    ReviewSettingsFactory(project=world.project, reveal_after_submit=True)
    assert list(reviews_visible_to(item=item, user=world.reviewer)) == [mine]


def test_after_submitting_others_show_only_where_the_project_reveals_them(world, scene):
    item, mine, theirs, _second = scene
    settings = ReviewSettingsFactory(project=world.project, reveal_after_submit=False)
    _submit(mine)
    assert set(reviews_visible_to(item=item, user=world.reviewer)) == {mine}

    settings.reveal_after_submit = True
    settings.save()
    assert set(reviews_visible_to(item=item, user=world.reviewer)) == {mine, theirs}


def test_leads_see_submitted_reviews_but_not_drafts(world, scene):
    item, _mine, theirs, _second = scene
    assert set(reviews_visible_to(item=item, user=world.lead)) == {theirs}


def test_items_are_reached_by_their_reviewers_and_leads_only(world, scene):
    item, *_rest = scene
    assert item_get_for_user(item_id=item.pk, user=world.lead)[1] == Role.LEAD
    assert item_get_for_user(item_id=item.pk, user=world.reviewer)[1] == Role.REVIEWER
    for user in (world.trainer, world.outsider, member(world.project, Role.REVIEWER, "idle")):
        with pytest.raises(Http404):
            item_get_for_user(item_id=item.pk, user=user)


def test_judge_scores_are_for_leads_only(world):
    assert user_sees_judges(project=world.project, user=world.lead)
    assert not user_sees_judges(project=world.project, user=world.reviewer)
    assert not user_sees_judges(project=world.project, user=world.trainer)
