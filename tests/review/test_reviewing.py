"""Scoring a session: drafts, submission against the rubric, edits that keep the earlier version."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict

from core.models import AuditEvent
from review.models import Assignment, Item, Review, ReviewRevision
from review.services.assignment import AssignmentError, assignment_next
from review.services.reviewing import (
    ReviewError,
    review_draft_save,
    review_edit,
    review_input_from_form,
    review_submit,
)
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = pytest.mark.django_db


def _form(world, **changes):
    data = QueryDict(mutable=True)
    for key, value in {**FULL_FORM, **changes}.items():
        if value is not None:
            data[key] = value
    return review_input_from_form(data=data, rubric=world.rubric)


def test_a_draft_keeps_partial_scores_and_extends_the_reservation() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    before = assignment.reserved_until

    review = review_draft_save(
        assignment=assignment,
        data=_form(world, **{"score-homework": None, "score-safety": None}),
    )

    assert review.status == Review.Status.DRAFT
    scores = {s.criterion.code: s for s in review.scores.all()}
    assert scores["empathy"].value == 3
    assert scores["empathy"].evidence_turns == [1, 3]
    assert "homework" not in scores
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.RESERVED
    assert assignment.reserved_until >= before
    assert AuditEvent.objects.filter(action="review.review.draft").count() == 1


def test_a_draft_with_a_value_off_the_scale_is_refused_naming_the_criterion() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    with pytest.raises(ReviewError) as error:
        review_draft_save(assignment=assignment, data=_form(world, **{"score-empathy": "7"}))
    assert set(error.value.problems) == {"empathy"}
    assert "0 to 4" in error.value.problems["empathy"]
    assert not Review.objects.exists()


def test_evidence_must_name_turns_of_the_session() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    with pytest.raises(ReviewError) as error:
        review_draft_save(assignment=assignment, data=_form(world, **{"evidence-empathy": "9"}))
    assert "1 to 4" in error.value.problems["empathy"]


def test_submitting_needs_every_criterion_and_the_required_rationale() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    incomplete = _form(
        world, **{"score-empathy": None, "score-safety": "na", "rationale-safety": ""}
    )
    with pytest.raises(ReviewError) as error:
        review_submit(assignment=assignment, data=incomplete)
    assert set(error.value.problems) == {"empathy", "safety"}
    assert "not applicable" in error.value.problems["safety"].lower()

    with pytest.raises(ReviewError) as error:
        review_submit(assignment=assignment, data=_form(world, **{"rationale-safety": ""}))
    assert set(error.value.problems) == {"safety"}
    assert not Review.objects.filter(status=Review.Status.SUBMITTED).exists()


def test_submitting_totals_with_the_rubric_and_moves_the_item() -> None:
    world = review_world(items=1, reviewers=2, overlap=2)
    first = assignment_next(project=world.project, reviewer=world.reviewers[0])

    review = review_submit(assignment=first, data=_form(world))

    # empathy 3 + safety 1 of an applicable 5, prorated onto the full 9 (homework is NA).
    assert review.total == Decimal("7.2")
    assert review.passed is True
    first.refresh_from_db()
    assert first.status == Assignment.Status.SUBMITTED
    assert first.submitted_at is not None
    assert Item.objects.get(pk=first.item_id).status == Item.Status.IN_REVIEW
    event = AuditEvent.objects.get(action="review.review.submit")
    assert event.after["status"] == "submitted"
    assert event.after["total"] == "7.2"

    second = assignment_next(project=world.project, reviewer=world.reviewers[1])
    review_submit(assignment=second, data=_form(world, **{"score-empathy": "0"}))
    # A spread of 3 on empathy is beyond the project's threshold of 2.
    assert Item.objects.get(pk=first.item_id).status == Item.Status.NEEDS_ADJUDICATION


def test_a_submitted_review_is_no_longer_a_draft_and_cannot_be_submitted_twice() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    review_submit(assignment=assignment, data=_form(world))
    with pytest.raises(ReviewError):
        review_draft_save(assignment=assignment, data=_form(world, **{"score-empathy": "1"}))
    with pytest.raises(ReviewError):
        review_submit(assignment=assignment, data=_form(world))
    assert Review.objects.get().scores.get(criterion__code="empathy").value == 3


def test_editing_a_submitted_review_keeps_the_earlier_version_and_the_reason() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    review = review_submit(assignment=assignment, data=_form(world))
    reviewer = world.reviewers[0]

    with pytest.raises(ReviewError) as error:
        review_edit(review=review, data=_form(world), reason=" ", user=reviewer)
    assert set(error.value.problems) == {"reason"}

    review_edit(
        review=review,
        data=_form(world, **{"score-empathy": "4"}),
        reason="Re-read turn 4: the reflection is accurate.",
        user=reviewer,
    )

    review.refresh_from_db()
    assert review.version == 2
    assert review.scores.get(criterion__code="empathy").value == 4
    revision = ReviewRevision.objects.get(review=review)
    assert revision.version == 1
    assert revision.snapshot["scores"]["empathy"]["value"] == "3"
    assert revision.reason == "Re-read turn 4: the reflection is accurate."
    event = AuditEvent.objects.get(action="review.review.edit")
    assert event.before["scores"]["empathy"]["value"] == "3"
    assert event.after["scores"]["empathy"]["value"] == "4"
    assert event.reason == revision.reason


def test_work_on_a_released_slot_is_refused_and_nothing_is_saved() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.RELEASED)
    assignment.refresh_from_db()
    with pytest.raises(AssignmentError):
        review_submit(assignment=assignment, data=_form(world))
    assert not Review.objects.exists()


def test_flags_go_with_the_review_and_unknown_ones_are_refused() -> None:
    world = review_world(items=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    data = _form(world)
    data.flags = ["pii", "crisis", "smells-odd"]
    with pytest.raises(ReviewError) as error:
        review_submit(assignment=assignment, data=data)
    assert set(error.value.problems) == {"flags"}
    assert "smells-odd" in error.value.problems["flags"]

    data.flags = ["pii", "crisis"]
    review = review_submit(assignment=assignment, data=data)
    assert review.flags == ["crisis", "pii"]
