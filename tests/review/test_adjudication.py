"""The adjudication queue and the lead's final word on an item."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import AuditEvent
from review.models import Adjudication, Item
from review.selectors.item_outcome import item_final_choice, item_final_scores
from review.selectors.lead import adjudication_queue
from review.services.adjudication import AdjudicationError, item_adjudicate
from review.services.item_status import item_status_refresh
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.lead_fixtures import (
    published_rubric,
    scoring_settings,
    submit_judgment,
    submit_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric(world):
    rubric = published_rubric()
    scoring_settings(world.project, rubric, overlap=2, adjudication_spread=Decimal(2))
    return rubric


def _disputed(world, rubric, low, high):
    item = SessionItemFactory(project=world.project)
    submit_review(item, rubric, empathy=low, focus=2)
    submit_review(item, rubric, empathy=high, focus=2)
    return item_status_refresh(item=item)


def test_queue_lists_items_needing_adjudication_worst_first(world, rubric):
    mild = _disputed(world, rubric, 1, 3)
    worst = _disputed(world, rubric, 0, 4)
    agreed = _disputed(world, rubric, 2, 3)
    pair = PairItemFactory(project=world.project)
    submit_judgment(pair, "a")
    submit_judgment(pair, "b")
    item_status_refresh(item=pair)

    queue = adjudication_queue(project=world.project)

    assert agreed.status == Item.Status.REVIEWED
    # Widest as a share of the scale first: 0 and 4 and a split pair are as far apart as
    # reviewers can be (the larger raw spread first among them), then 1 and 3.
    assert [entry.item for entry in queue] == [worst, pair, mild]
    assert queue[0].disagreement.spread == 4
    assert queue[0].disagreement.criteria == ("empathy",)


def test_adjudication_sets_final_scores_moves_item_and_audits(world, rubric):
    item = _disputed(world, rubric, 0, 4)

    adjudication = item_adjudicate(
        item=item,
        lead=world.lead,
        reason="Turn 4 shows clear reflection; 3 fits the anchors.",
        scores={"empathy": Decimal(3), "focus": None},
    )

    item.refresh_from_db()
    assert item.status == Item.Status.REVIEWED
    assert item_final_scores(item=item) == {"empathy": Decimal(3), "focus": None}
    assert adjudication.total == Decimal(6)  # 3 of 4, prorated onto 8 with focus not applicable
    event = AuditEvent.objects.get(action="review.item.adjudicate")
    assert event.actor == world.lead
    assert event.before == {"status": "needs_adjudication", "scores": {"empathy": 2, "focus": 2}}
    assert event.after["scores"] == {"empathy": 3, "focus": None}
    assert event.reason.startswith("Turn 4")
    status = AuditEvent.objects.get(action="review.item.status", after={"status": "reviewed"})
    assert status.before == {"status": "needs_adjudication"}


def test_adjudication_needs_a_reason_and_every_criterion(world, rubric):
    item = _disputed(world, rubric, 0, 4)
    with pytest.raises(AdjudicationError) as caught:
        item_adjudicate(item=item, lead=world.lead, reason="  ", scores={"empathy": Decimal(3)})
    problems = " ".join(caught.value.problems)
    assert "reason is required" in problems
    assert "focus: no score given" in problems
    assert not Adjudication.objects.exists()
    item.refresh_from_db()
    assert item.status == Item.Status.NEEDS_ADJUDICATION


def test_pending_items_cannot_be_adjudicated(world, rubric):
    item = SessionItemFactory(project=world.project)
    with pytest.raises(AdjudicationError, match="Only a reviewed item"):
        item_adjudicate(item=item, lead=world.lead, reason="x", scores={"empathy": 1, "focus": 1})


def test_split_pair_is_decided_by_the_lead(world, rubric):
    pair = PairItemFactory(project=world.project)
    submit_judgment(pair, "a")
    submit_judgment(pair, "b")
    item_status_refresh(item=pair)
    assert pair.status == Item.Status.NEEDS_ADJUDICATION
    assert item_final_choice(item=pair) is None

    with pytest.raises(AdjudicationError):
        item_adjudicate(item=pair, lead=world.lead, reason="Empathy first.", choice="left")
    item_adjudicate(item=pair, lead=world.lead, reason="A validates first.", choice="a")

    pair.refresh_from_db()
    assert pair.status == Item.Status.REVIEWED
    assert item_final_choice(item=pair) == "a"
    event = AuditEvent.objects.get(action="review.item.adjudicate")
    assert event.before == {"status": "needs_adjudication", "choice": None}
    assert event.after["choice"] == "a"
