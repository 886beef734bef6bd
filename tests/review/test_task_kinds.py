"""Work of a task kind the project does not ask for is refused on the server, with a message."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from review.models import Assignment, Item, PairwiseJudgment, ReviewSettings, Rewrite, TaskKind
from review.services.assignment import assignment_next
from review.services.pairwise import judgment_input_from_form, judgment_submit
from review.services.reviewing import ReviewError
from review.services.rewrites import rewrite_create
from tests.review.reviewer_world import review_world

pytestmark = pytest.mark.django_db


def _only(world, *kinds: str) -> None:
    ReviewSettings.objects.filter(project=world.project).update(task_kinds=list(kinds))


def test_a_pair_judgment_is_refused_without_the_pairwise_task() -> None:
    world = review_world(items=0, pairs=1)
    assignment = assignment_next(project=world.project, reviewer=world.reviewers[0])
    _only(world, TaskKind.SCORING)
    # The next request reads the slot afresh, with the settings as they are now.
    assignment = Assignment.objects.get(pk=assignment.pk)
    data = QueryDict(mutable=True)
    data.update({"choice": "left", "strength": "2", "rationale": "Warmer."})

    with pytest.raises(ReviewError) as error:
        judgment_submit(
            assignment=assignment,
            data=judgment_input_from_form(data=data, assignment=assignment),
        )

    assert error.value.problems["__all__"] == "This project does not ask for pair preferences."
    assert not PairwiseJudgment.objects.filter(status=PairwiseJudgment.Status.SUBMITTED).exists()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.RESERVED


def test_a_rewrite_is_refused_without_the_rewrite_task() -> None:
    world = review_world(items=1)
    reviewer = world.reviewers[0]
    assignment_next(project=world.project, reviewer=reviewer)
    _only(world, TaskKind.SCORING)

    with pytest.raises(ReviewError) as error:
        rewrite_create(
            item=Item.objects.get(pk=world.items[0].pk),
            reviewer=reviewer,
            turn_index=3,
            text="What makes it feel that way?",
            rationale="Explore first.",
        )

    assert error.value.problems["__all__"] == "This project does not ask for rewrites."
    assert not Rewrite.objects.exists()
