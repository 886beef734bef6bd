"""Adding items from sessions and candidate pairs, queue positions, gold items."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from dialogues.models import Flag, Session, SourcePreference
from review.models import Item, ReviewSettings, TaskKind
from review.selectors.lead import SessionFilter, sessions_matching
from review.services.items import (
    ItemError,
    item_gold_clear,
    item_gold_set,
    items_add_pairs,
    items_add_sessions,
)
from tests.dialogues.factories import (
    CandidateFactory,
    FlagFactory,
    ImportBatchFactory,
    SessionFactory,
)
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.lead_fixtures import published_rubric, scoring_settings

pytestmark = pytest.mark.django_db


def _all_tasks(world):
    ReviewSettings.objects.update_or_create(
        project=world.project, defaults={"task_kinds": list(TaskKind.values)}
    )


def test_filter_picks_sessions_by_source_batch_language_topic_and_flags(world):
    batch = ImportBatchFactory(project=world.project)
    cactus_en = SessionFactory(
        project=world.project, batch=batch, source_format="cactus", topic="exam anxiety"
    )
    SessionFactory(project=world.project, source_format="cactus", language="zh-hans")
    flagged = SessionFactory(project=world.project, source_format="messages", topic="grief")
    FlagFactory(session=flagged)
    cleared = SessionFactory(project=world.project, source_format="messages")
    FlagFactory(session=cleared, status=Flag.Status.CLEARED)
    SessionFactory(source_format="cactus")  # another project's session never shows

    def match(**kwargs):
        return set(sessions_matching(project=world.project, session_filter=SessionFilter(**kwargs)))

    assert match(source_format="cactus", language="en") == {cactus_en}
    assert match(batch_id=batch.pk) == {cactus_en}
    assert match(topic="ANXIETY") == {cactus_en}
    assert match(flags="open") == {flagged}
    assert flagged not in match(flags="none")
    assert cleared in match(flags="none")
    assert len(match()) == 4


def test_adding_sessions_is_idempotent_scoped_and_audited(world):
    _all_tasks(world)
    sessions = [SessionFactory(project=world.project) for _ in range(5)]
    foreign = SessionFactory()
    chosen = sessions_matching(project=world.project, session_filter=SessionFilter())

    first = items_add_sessions(project=world.project, sessions=chosen, actor=world.lead)
    again = items_add_sessions(
        project=world.project,
        sessions=Session.objects.filter(pk__in=[s.pk for s in sessions] + [foreign.pk]),
        actor=world.lead,
    )

    assert (first.created, first.existing) == (5, 0)
    assert (again.created, again.existing) == (0, 5)
    items = Item.objects.filter(project=world.project)
    assert items.count() == 5
    assert not Item.objects.filter(session=foreign).exists()
    event = AuditEvent.objects.get(action="review.items.add")
    assert sorted(event.after["items"]) == sorted(items.values_list("pk", flat=True))
    assert event.actor == world.lead


def test_positions_are_deterministic_and_scattered(world):
    _all_tasks(world)
    [SessionFactory(project=world.project) for _ in range(12)]
    queryset = Session.objects.filter(project=world.project)
    items_add_sessions(project=world.project, sessions=queryset, actor=world.lead)
    positions = {
        item.session_id: item.position for item in Item.objects.filter(project=world.project)
    }
    queue = [item.session_id for item in Item.objects.filter(project=world.project)]

    Item.objects.filter(project=world.project).delete()
    items_add_sessions(project=world.project, sessions=queryset, actor=world.lead)
    again = {item.session_id: item.position for item in Item.objects.filter(project=world.project)}

    assert positions == again
    assert len(set(positions.values())) == 12
    assert queue != sorted(queue)  # not simply the import order


def test_pairs_follow_source_preferences_else_every_two_candidates(world):
    _all_tasks(world)
    preferred = SessionFactory(project=world.project, turns=[("client", "I feel alone.")])
    chosen = CandidateFactory(session=preferred, turn_index=1, key="chosen")
    rejected = CandidateFactory(session=preferred, turn_index=1, key="rejected")
    CandidateFactory(session=preferred, turn_index=1, key="extra")
    SourcePreference.objects.create(
        session=preferred, chosen=chosen, rejected=rejected, provenance="test"
    )
    answers = SessionFactory(project=world.project, turns=[("client", "How do I cope?")])
    for key in ("answer 1", "answer 2", "answer 3"):
        CandidateFactory(session=answers, turn_index=1, key=key)
    CandidateFactory(session=answers, turn_index=1, key="zz rewrite", origin="rewrite")
    queryset = Session.objects.filter(project=world.project)

    added = items_add_pairs(project=world.project, sessions=queryset, actor=world.lead)
    again = items_add_pairs(project=world.project, sessions=queryset, actor=world.lead)

    pairs = Item.objects.filter(project=world.project, kind=Item.Kind.PAIR)
    assert added.created == 1 + 3
    assert again.created == 0
    from_source = pairs.get(session=preferred)
    assert (from_source.candidate_a, from_source.candidate_b) == (chosen, rejected)
    assert from_source.turn_index == 1
    keys = {
        frozenset((item.candidate_a.key, item.candidate_b.key))
        for item in pairs.filter(session=answers)
    }
    assert keys == {
        frozenset(("answer 1", "answer 2")),
        frozenset(("answer 1", "answer 3")),
        frozenset(("answer 2", "answer 3")),
    }


def test_gold_scores_are_checked_against_the_rubric_and_audited(world):
    rubric = published_rubric()
    scoring_settings(world.project, rubric)
    item = SessionItemFactory(project=world.project)

    with pytest.raises(ItemError) as caught:
        item_gold_set(item=item, actor=world.lead, scores={"empathy": "7"})
    assert caught.value.field == "empathy"
    with pytest.raises(ItemError, match="not applicable"):
        item_gold_set(item=item, actor=world.lead, scores={"empathy": "na"})
    with pytest.raises(ItemError, match="not a criterion"):
        item_gold_set(item=item, actor=world.lead, scores={"warmth": "2"})

    item_gold_set(item=item, actor=world.lead, scores={"empathy": "3", "focus": "na"})
    item.refresh_from_db()
    assert item.is_gold
    assert item.gold_scores == {"empathy": 3.0, "focus": None}
    item_gold_clear(item=item, actor=world.lead)
    item.refresh_from_db()
    assert not item.is_gold
    assert item.gold_scores == {}
    events = AuditEvent.objects.filter(action="review.item.gold").order_by("pk")
    assert [e.after["is_gold"] for e in events] == [True, False]
    assert events.last().before["gold_scores"] == {"empathy": 3.0, "focus": None}


def test_gold_pair_needs_a_valid_choice(world):
    item = PairItemFactory(project=world.project)
    with pytest.raises(ItemError):
        item_gold_set(item=item, actor=world.lead, choice="left")
    item_gold_set(item=item, actor=world.lead, choice="a")
    item.refresh_from_db()
    assert (item.is_gold, item.gold_choice) == (True, "a")


def test_pairs_are_refused_in_a_project_without_the_pairwise_task(world, client):
    ReviewSettings.objects.update_or_create(
        project=world.project, defaults={"task_kinds": [TaskKind.SCORING]}
    )
    session = SessionFactory(project=world.project)
    CandidateFactory(session=session, turn_index=1, key="one")
    CandidateFactory(session=session, turn_index=1, key="two")
    client.force_login(world.lead)

    response = client.post(
        reverse("review:lead_item_add", args=[world.project.slug]),
        {"kind": "pair", "scope": "all"},
        follow=True,
    )

    assert "Turn on response-pair preference" in response.content.decode()
    assert not Item.objects.filter(project=world.project, kind=Item.Kind.PAIR).exists()
    with pytest.raises(ItemError):
        items_add_pairs(project=world.project, sessions=Session.objects.all(), actor=world.lead)


def test_sessions_are_refused_in_a_pairs_only_project(world):
    ReviewSettings.objects.update_or_create(
        project=world.project, defaults={"task_kinds": [TaskKind.PAIRWISE]}
    )
    SessionFactory(project=world.project)

    with pytest.raises(ItemError, match="session scoring or rewriting"):
        items_add_sessions(project=world.project, sessions=Session.objects.all(), actor=world.lead)

    assert not Item.objects.filter(project=world.project).exists()
