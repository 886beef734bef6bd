"""Issue 21, item 2: the triage queue order, its bands, its control slice, everywhere."""

from __future__ import annotations

import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from dialogues.models import Flag
from review.models import Assignment, ReviewSettings
from review.models.triage import TriageBand, TriageRank
from review.selectors.triage import in_control_slice, triage_band_counts
from review.services.assignment import assignment_next
from review.services.projects import review_settings_update, settings_change_of
from review.services.triage import triage_refresh
from tests.review.reviewer_world import review_world
from tests.review.triage_world import judge_with_signals

pytestmark = pytest.mark.django_db


def _world(**settings):
    """Five items: unsure (0.9), a little unsure (0.5), confident (0.0), crisis, not judged."""
    world = review_world(items=5, reviewers=2, overlap=1, **settings)
    unsure, somewhat, sure, crisis, unjudged = world.items
    judge_with_signals(
        world.project, {unsure: 0.9, somewhat: 0.5, sure: 0.0, crisis: 0.0, unjudged: None}
    )
    Flag.objects.create(
        session=crisis.session,
        kind=Flag.Kind.CRISIS,
        category="suicidal",
        matched_text="x",
        detector="test",
    )
    return world


def _counts(project, share=None):
    return {b.band: b.items for b in triage_band_counts(project=project, control_share=share)}


def _switch(world, **changes):
    settings = ReviewSettings.objects.get(project=world.project)
    review_settings_update(
        project=world.project,
        change=settings_change_of(settings=settings, **changes),
        actor=world.lead,
    )


def test_the_bands_hold_crisis_unsure_unjudged_and_confident_items():
    world = _world(triage_control_share=Decimal(0))

    assert _counts(world.project) == {
        TriageBand.CRISIS: 1,
        TriageBand.UNSURE: 2,
        TriageBand.UNJUDGED: 1,
        TriageBand.CONTROL: 0,
        TriageBand.CONFIDENT: 1,
    }
    # With every item in the control slice, the confident one is reviewed as a control.
    assert _counts(world.project, Decimal(1))[TriageBand.CONTROL] == 1


def test_two_judges_that_disagree_put_an_item_among_the_unsure():
    world = review_world(items=1, reviewers=1, overlap=1, triage_control_share=Decimal(0))
    [item] = world.items
    judge_with_signals(world.project, {item: 0.0}, scores={item: 0.9})
    judge_with_signals(world.project, {item: 0.0}, name="second judge", scores={item: 0.1})

    assert _counts(world.project)[TriageBand.UNSURE] == 1


def test_the_triage_order_hands_out_crisis_then_unsure_then_unjudged_then_the_rest():
    world = _world(triage_control_share=Decimal(0))
    unsure, somewhat, sure, crisis, unjudged = world.items
    _switch(world, queue_order=ReviewSettings.QueueOrder.TRIAGE)
    given = []

    for _ in range(5):
        slot = assignment_next(project=world.project, reviewer=world.reviewers[0])
        given.append(slot.item)
        Assignment.objects.filter(pk=slot.pk).update(status=Assignment.Status.SUBMITTED)

    assert given == [crisis, unsure, somewhat, unjudged, sure]


def test_a_crisis_flag_raised_after_the_ranking_still_goes_first():
    world = _world(triage_control_share=Decimal(0))
    _switch(world, queue_order=ReviewSettings.QueueOrder.TRIAGE)
    sure = world.items[2]
    Flag.objects.create(
        session=sure.session,
        kind=Flag.Kind.CRISIS,
        category="self_harm",
        matched_text="x",
        detector="test",
    )
    Flag.objects.filter(session=world.items[3].session).update(status=Flag.Status.CLEARED)

    slot = assignment_next(project=world.project, reviewer=world.reviewers[0])

    assert slot.item == sure


def test_the_control_slice_is_a_stable_random_draw_that_grows_with_its_share():
    drawn_10 = {i for i in range(2000) if in_control_slice(project_id=7, item_id=i, share=0.1)}
    drawn_30 = {i for i in range(2000) if in_control_slice(project_id=7, item_id=i, share=0.3)}

    assert 150 < len(drawn_10) < 250
    assert 500 < len(drawn_30) < 700
    assert drawn_10 <= drawn_30


def test_the_depth_order_is_unchanged_by_the_signals():
    world = _world()

    slot = assignment_next(project=world.project, reviewer=world.reviewers[0])

    # Depth first: the lowest position, however unsure the judges are about the others.
    assert slot.item == world.items[0]


def test_a_judge_run_refreshes_the_ranking_and_so_does_a_new_control_share():
    world = _world(triage_control_share=Decimal(0))
    _switch(world, queue_order=ReviewSettings.QueueOrder.TRIAGE)
    sure = world.items[2]
    assert TriageRank.objects.get(item=sure).band == TriageBand.CONFIDENT

    _switch(world, triage_control_share=Decimal(1))

    assert TriageRank.objects.get(item=sure).band == TriageBand.CONTROL
    assert AuditEvent.objects.filter(
        action="review.settings.update", after__triage_control_share="1"
    ).exists()


def test_the_settings_page_shows_the_bands_before_the_order_is_switched_on():
    world = _world(triage_control_share=Decimal(0))
    client = Client()
    client.force_login(world.lead)

    page = client.get(reverse("review:lead_settings", args=[world.project.slug])).content.decode()

    assert "Triage: where the judges would send reviewers" in page
    assert (
        f'<tr data-band="{TriageBand.UNSURE}"><td>Judges unsure or disagreeing</td>'
        '<td class="band-items">2</td>' in page
    )
    assert 'value="triage"' in page


def test_the_api_shows_the_bands_and_switches_the_order():
    world = _world(triage_control_share=Decimal(0))
    client = Client()
    client.force_login(world.lead)
    url = reverse("api_review_queue", args=[world.project.slug])

    preview = client.get(url, {"control_share": "1"}).json()
    switched = client.patch(
        url,
        {"queue_order": "triage", "triage_control_share": "0.2"},
        content_type="application/json",
    )
    refused = client.patch(url, {"triage_control_share": "1.5"}, content_type="application/json")

    assert preview["queue_order"] == "depth"
    assert {b["band"]: b["items"] for b in preview["bands"]}[TriageBand.CONTROL] == 1
    assert switched.status_code == 200, switched.content
    assert switched.json()["queue_order"] == "triage"
    assert switched.json()["triage_control_share"] == "0.200"
    assert refused.status_code == 400
    settings = ReviewSettings.objects.get(project=world.project)
    assert (settings.queue_order, settings.triage_control_share) == ("triage", Decimal("0.2"))


def test_the_command_shows_the_bands_and_switches_the_order():
    world = _world(triage_control_share=Decimal(0))
    out = StringIO()

    call_command(
        "triage",
        "--project",
        world.project.slug,
        "--queue-order",
        "triage",
        "--control-share",
        "0.25",
        stdout=out,
    )

    text = out.getvalue()
    assert "Queue order: Where the judges are unsure first (triage); control slice 0.25" in text
    assert "Judges unsure or disagreeing: 2" in text
    assert "Crisis-flagged: 1" in text
    assert ReviewSettings.objects.get(project=world.project).queue_order == "triage"
    assert TriageRank.objects.filter(item__project=world.project).count() == 5


@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_reviewers_asking_at_once_in_triage_order_each_get_a_different_top_item():
    world = review_world(items=8, reviewers=4, overlap=1, triage_control_share=Decimal(0))
    ranked = {item: 0.9 - n * 0.1 for n, item in enumerate(world.items)}
    judge_with_signals(world.project, ranked)
    _switch(world, queue_order=ReviewSettings.QueueOrder.TRIAGE)
    triage_refresh(project=world.project)
    got: list[object] = []
    start = threading.Barrier(len(world.reviewers))

    def ask(reviewer) -> None:
        try:
            start.wait()
            slot = assignment_next(project=world.project, reviewer=reviewer)
            got.append(slot.item_id)
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            got.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(r,)) for r in world.reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(got) == 4, got
    assert len(set(got)) == 4, got
    # The four most uncertain items went out, one each; the queue never over-filled one.
    assert set(got) == {item.pk for item in world.items[:4]}
    assert Assignment.objects.filter(status=Assignment.Status.RESERVED).count() == 4


@pytest.mark.skipif(connection.vendor == "sqlite", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_both_succeed_and_leave_one_ranking():
    world = review_world(items=30, reviewers=1, overlap=1, triage_control_share=Decimal(0))
    judge_with_signals(world.project, dict.fromkeys(world.items, 0.5))
    errors: list[BaseException] = []

    def refresh(barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            triage_refresh(project=world.project)
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connections.close_all()

    for _ in range(5):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=refresh, args=(barrier,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    assert TriageRank.objects.filter(item__project=world.project).count() == 30
