"""A counselor turn rewritten by a reviewer becomes a candidate pair: original and rewrite."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import AuditEvent
from dialogues.models import Candidate
from review.models import Assignment, Rewrite
from review.services.assignment import assignment_next
from review.services.reviewing import ReviewError
from review.services.rewrites import rewrite_create, rewrite_finish
from tests.review.reviewer_world import review_world

pytestmark = pytest.mark.django_db

BETTER = "It sounds like that thought shows up often. When did you last notice it?"


def test_a_rewrite_creates_the_original_once_and_a_rewrite_candidate() -> None:
    world = review_world(items=1, reviewers=2)
    first, second = world.reviewers
    for reviewer in world.reviewers:
        assignment_next(project=world.project, reviewer=reviewer)
    item = world.items[0]

    rewrite = rewrite_create(
        item=item,
        reviewer=first,
        turn_index=3,
        text=BETTER,
        rationale="Explore before challenging.",
    )
    rewrite_create(
        item=item, reviewer=second, turn_index=3, text="Tell me more.", rationale="Open question."
    )

    originals = Candidate.objects.filter(origin=Candidate.Origin.ORIGINAL)
    assert originals.count() == 1
    original = originals.get()
    assert original.text == "Let us look at the evidence for that thought together."
    assert original.turn_index == 3  # answers the three turns before it
    assert rewrite.original == original
    assert rewrite.rewrite.origin == Candidate.Origin.REWRITE
    assert rewrite.rewrite.text == BETTER
    assert rewrite.rewrite.created_by == first
    assert rewrite.rewrite.turn_index == 3
    assert Rewrite.objects.count() == 2
    event = AuditEvent.objects.filter(action="review.rewrite.create").first()
    assert event.after["turn"] == 4


def test_only_counselor_turns_with_text_and_reasons_are_rewritten() -> None:
    world = review_world(items=1)
    reviewer = world.reviewers[0]
    assignment_next(project=world.project, reviewer=reviewer)
    item = world.items[0]
    with pytest.raises(ReviewError) as error:
        rewrite_create(item=item, reviewer=reviewer, turn_index=0, text=BETTER, rationale="x")
    assert set(error.value.problems) == {"turn"}
    with pytest.raises(ReviewError) as error:
        rewrite_create(item=item, reviewer=reviewer, turn_index=1, text=" ", rationale="")
    assert set(error.value.problems) == {"text", "rationale"}
    assert not Candidate.objects.filter(origin__in=["original", "rewrite"]).exists()


def test_a_reviewer_without_a_slot_on_the_item_cannot_rewrite_it() -> None:
    world = review_world(items=1)
    with pytest.raises(ReviewError) as error:
        rewrite_create(
            item=world.items[0],
            reviewer=world.reviewers[0],
            turn_index=1,
            text=BETTER,
            rationale="x",
        )
    assert "__all__" in error.value.problems


def test_finishing_a_rewrite_only_item_submits_the_slot() -> None:
    world = review_world(items=1, overlap=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    rewrite_finish(assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert AuditEvent.objects.filter(action="review.assignment.finish").exists()


ORIGINAL = "Let us look at the evidence for that thought together."


@pytest.mark.parametrize(
    "text",
    [
        ORIGINAL,
        f"  {ORIGINAL}\n",
        f"{BETTER} {ORIGINAL}",  # typed in front of a pre-filled box: the Chinese-session bug
        f"{BETTER}\n\n{ORIGINAL}",
        f"{ORIGINAL} {BETTER}",
    ],
)
def test_a_rewrite_that_carries_the_whole_original_is_refused(text: str) -> None:
    world = review_world(items=1)
    reviewer = world.reviewers[0]
    assignment_next(project=world.project, reviewer=reviewer)
    with pytest.raises(ReviewError) as error:
        rewrite_create(
            item=world.items[0], reviewer=reviewer, turn_index=3, text=text, rationale="Better."
        )
    assert set(error.value.problems) == {"text"}
    assert "original" in str(error.value.problems["text"])
    assert not Rewrite.objects.exists()
    assert not Candidate.objects.filter(origin=Candidate.Origin.REWRITE).exists()


def test_a_rewrite_that_reuses_part_of_the_original_is_kept() -> None:
    world = review_world(items=1)
    reviewer = world.reviewers[0]
    assignment_next(project=world.project, reviewer=reviewer)
    text = "Let us look at the evidence, when you feel ready."
    rewrite = rewrite_create(
        item=world.items[0], reviewer=reviewer, turn_index=3, text=text, rationale="Paced."
    )
    assert rewrite.rewrite.text == text


def _stored_rewrite(world, reviewer, text: str) -> Rewrite:  # type: ignore[no-untyped-def]
    """A rewrite as the pre-filled box used to store it, past today's check."""
    item = world.items[0]
    original, _created = Candidate.objects.get_or_create(
        session_id=item.session_id,
        turn_index=3,
        key="original-turn-4",
        defaults={"text": ORIGINAL, "origin": Candidate.Origin.ORIGINAL},
    )
    rewritten = Candidate.objects.create(
        session_id=item.session_id,
        turn_index=3,
        key=f"rewrite-turn-4-{Candidate.objects.count()}",
        text=text,
        origin=Candidate.Origin.REWRITE,
        created_by=reviewer,
    )
    return Rewrite.objects.create(
        item=item,
        reviewer=reviewer,
        turn_index=3,
        original=original,
        rewrite=rewritten,
        rationale="x",
    )


def test_leads_list_the_stored_rewrites_that_carry_their_original() -> None:
    world = review_world(items=1, reviewers=2)
    first, second = world.reviewers
    carrying = _stored_rewrite(world, first, f"{BETTER}\n{ORIGINAL}")
    _stored_rewrite(world, second, BETTER)
    other = review_world(items=1)
    _stored_rewrite(other, other.reviewers[0], f"{ORIGINAL} Take your time.")

    out = StringIO()
    call_command("rewrites_check", "--project", world.project.slug, stdout=out)
    text = out.getvalue()
    assert f"item {carrying.item_id}, turn 4, by {first.username}" in text
    assert second.username not in text
    assert "1 of 2 rewrites in this project contain their original turn" in text

    out = StringIO()
    call_command("rewrites_check", stdout=out)
    assert "2 of 3 rewrites contain their original turn" in out.getvalue()
