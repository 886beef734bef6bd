"""Pairwise judgments: shown in a recorded random order, stored in terms of candidates a and b."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from core.models import AuditEvent
from review.models import Assignment, Item, PairwiseJudgment, ReviewRevision
from review.services.assignment import assignment_next
from review.services.pairwise import (
    choice_from_side,
    judgment_draft_save,
    judgment_edit,
    judgment_input_from_form,
    judgment_submit,
    side_from_choice,
)
from review.services.reviewing import ReviewError
from tests.review.reviewer_world import review_world
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db


def _pair_slot(swapped: bool, **settings):
    world = review_world(items=0, pairs=1, **settings)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    Assignment.objects.filter(pk=assignment.pk).update(swapped=swapped)
    assignment.refresh_from_db()
    return world, assignment


def _form(assignment, **values):
    data = QueryDict(mutable=True)
    data.update(values)
    return judgment_input_from_form(data=data, assignment=assignment)


@pytest.mark.parametrize(
    ("swapped", "side", "stored"),
    [(False, "left", "a"), (False, "right", "b"), (True, "left", "b"), (True, "right", "a")],
)
def test_a_screen_side_maps_to_the_candidate_shown_there(swapped, side, stored) -> None:
    assert choice_from_side(swapped=swapped, side=side) == stored
    assert side_from_choice(swapped=swapped, choice=stored) == side
    assert choice_from_side(swapped=swapped, side="tie") == "tie"


@pytest.mark.parametrize("swapped", [False, True])
def test_submitting_stores_the_choice_in_candidate_terms(swapped) -> None:
    _world, assignment = _pair_slot(swapped)
    item = assignment.item
    shown_left = item.candidate_b if swapped else item.candidate_a

    judgment = judgment_submit(
        assignment=assignment,
        data=_form(assignment, choice="left", strength="2", rationale="Validates the loss."),
    )

    chosen = item.candidate_a if judgment.choice == "a" else item.candidate_b
    assert chosen == shown_left
    assert judgment.status == PairwiseJudgment.Status.SUBMITTED
    assert judgment.strength == 2
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    event = AuditEvent.objects.get(action="review.judgment.submit")
    assert event.after["choice"] == judgment.choice
    assert event.after["swapped"] is swapped


def test_the_order_is_drawn_once_per_assignment_and_both_orders_occur() -> None:
    world = review_world(items=0, pairs=12, reviewers=1, overlap=1)
    orders = set()
    for _item in range(12):
        assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
        assert assignment_next(project=world.project, reviewer=world.reviewers[0]).swapped is (
            assignment.swapped
        )
        orders.add(assignment.swapped)
        Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.SUBMITTED)
    # 12 fair coin flips all alike: 1 in 2048.
    assert orders == {True, False}


def test_a_preference_needs_a_strength_and_a_tie_has_none() -> None:
    _world, assignment = _pair_slot(False)
    with pytest.raises(ReviewError) as error:
        judgment_submit(assignment=assignment, data=_form(assignment, choice="right"))
    assert set(error.value.problems) == {"strength"}
    with pytest.raises(ReviewError) as error:
        judgment_submit(assignment=assignment, data=_form(assignment))
    assert set(error.value.problems) == {"choice"}

    judgment = judgment_submit(
        assignment=assignment, data=_form(assignment, choice="tie", strength="3")
    )
    assert judgment.choice == "tie"
    assert judgment.strength is None


def test_principles_are_checked_against_the_project_pair_rubric() -> None:
    pair_rubric = RubricFactory(status="published", scope="response_pair")
    CriterionFactory(rubric=pair_rubric, code="empathy")
    _world, assignment = _pair_slot(True, pair_rubric=pair_rubric)
    with pytest.raises(ReviewError) as error:
        judgment_draft_save(
            assignment=assignment, data=_form(assignment, **{"principle-honesty": "left"})
        )
    assert set(error.value.problems) == {"principle-honesty"}

    judgment = judgment_draft_save(
        assignment=assignment, data=_form(assignment, **{"principle-empathy": "left"})
    )
    # Shown swapped: the left response is candidate b.
    assert judgment.principle_choices == {"empathy": "b"}
    assert judgment.status == PairwiseJudgment.Status.DRAFT


def test_editing_a_submitted_judgment_keeps_the_earlier_version() -> None:
    world, assignment = _pair_slot(False)
    judgment = judgment_submit(
        assignment=assignment, data=_form(assignment, choice="left", strength="1")
    )
    user = world.reviewers[0]
    with pytest.raises(ReviewError):
        judgment_edit(
            judgment=judgment,
            data=_form(assignment, choice="right", strength="1"),
            reason="",
            user=user,
        )

    judgment_edit(
        judgment=judgment,
        data=_form(assignment, choice="both_bad"),
        reason="Both miss the grief.",
        user=user,
    )

    judgment.refresh_from_db()
    assert (judgment.choice, judgment.version) == ("both_bad", 2)
    revision = ReviewRevision.objects.get(judgment=judgment)
    assert revision.snapshot["choice"] == "a"
    assert revision.reason == "Both miss the grief."
    assert AuditEvent.objects.get(action="review.judgment.edit").before["choice"] == "a"


def test_a_split_choice_needs_adjudication() -> None:
    world = review_world(items=0, pairs=1, reviewers=2, overlap=2)
    for reviewer, side in zip(world.reviewers, ["left", "right"], strict=True):
        assignment = assignment_next(project=world.project, reviewer=reviewer)
        Assignment.objects.filter(pk=assignment.pk).update(swapped=False)
        assignment.refresh_from_db()
        judgment_submit(assignment=assignment, data=_form(assignment, choice=side, strength="2"))
    assert Item.objects.get().status == Item.Status.NEEDS_ADJUDICATION
