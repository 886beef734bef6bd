"""The due date on the status API and pages; met / not met splits and the adjudication queue."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from review.models import Item, ReviewSettings
from review.selectors.item_outcome import item_disagreement
from review.selectors.lead import adjudication_queue
from review.services.item_status import item_status_refresh
from tests.conftest import client_for
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.lead_fixtures import scoring_settings, submit_judgment, submit_review
from tests.review.reviewer_world import scoring_rubric

pytestmark = pytest.mark.django_db


def _status(world):
    client = APIClient()
    client.force_authenticate(world.lead)
    response = client.get(reverse("api_review_status", args=[world.project.slug]))
    assert response.status_code == 200
    return response.json()


def test_a_set_due_date_is_in_the_status_api_and_on_the_pages(world):
    scoring_settings(world.project, scoring_rubric(), due_date=datetime.date(2031, 5, 17))
    SessionItemFactory(project=world.project)

    body = _status(world)

    assert (body["due_date"], body["overdue"]) == ("2031-05-17", False)
    overview = client_for(world.lead).get(reverse("review:lead_project", args=["clinic"]))
    assert "2031-05-17" in overview.content.decode()
    assert "overdue" not in overview.content.decode()
    home = client_for(world.reviewer).get(reverse("review:home")).content.decode()
    assert "due 2031-05-17" in home


def test_a_project_past_its_due_date_with_open_items_is_marked_overdue(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    scoring_settings(world.project, scoring_rubric(), due_date=yesterday)
    SessionItemFactory(project=world.project)

    assert _status(world)["overdue"] is True
    overview = client_for(world.lead).get(reverse("review:lead_project", args=["clinic"]))
    assert "overdue" in overview.content.decode()
    assert "overdue" in client_for(world.reviewer).get(reverse("review:home")).content.decode()


def test_a_finished_project_past_its_date_is_not_overdue(world):
    scoring_settings(world.project, scoring_rubric(), due_date=datetime.date(2020, 1, 1))
    SessionItemFactory(project=world.project, status=Item.Status.APPROVED)

    assert _status(world)["overdue"] is False


def test_no_due_date_means_null_and_never_overdue(world):
    scoring_settings(world.project, scoring_rubric())

    body = _status(world)

    assert (body["due_date"], body["overdue"]) == (None, False)


def _reviewed(world, rubric, *scores):
    item = SessionItemFactory(project=world.project)
    for values in scores:
        submit_review(item, rubric, **values)
    item_status_refresh(item=item)
    item.refresh_from_db()
    return item


def test_a_split_on_a_met_or_not_met_criterion_needs_adjudication(world):
    rubric = scoring_rubric()
    scoring_settings(world.project, rubric, overlap=2)
    assert ReviewSettings.objects.get(project=world.project).adjudication_spread == Decimal(2)

    split = _reviewed(
        world,
        rubric,
        {"empathy": 3, "homework": 2, "safety": 1},
        {"empathy": 3, "homework": 2, "safety": 0},
    )
    agreed = _reviewed(
        world,
        rubric,
        {"empathy": 3, "homework": 2, "safety": 1},
        {"empathy": 2, "homework": 2, "safety": 1},
    )

    assert split.status == Item.Status.NEEDS_ADJUDICATION
    assert item_disagreement(item=split).split_binary == ("safety",)
    assert agreed.status == Item.Status.REVIEWED


def test_the_queue_sorts_by_the_share_of_each_scale(world):
    rubric = scoring_rubric()
    scoring_settings(world.project, rubric, overlap=2)
    half = _reviewed(  # 1 and 3 on a 0-4 scale: half the scale apart
        world,
        rubric,
        {"empathy": 1, "homework": 2, "safety": 1},
        {"empathy": 3, "homework": 2, "safety": 1},
    )
    binary = _reviewed(  # met and not met: as far apart as it gets
        world,
        rubric,
        {"empathy": 2, "homework": 2, "safety": 1},
        {"empathy": 2, "homework": 2, "safety": 0},
    )
    pair = PairItemFactory(project=world.project)
    submit_judgment(pair, "a")
    submit_judgment(pair, "b")
    item_status_refresh(item=pair)

    order = [entry.item.pk for entry in adjudication_queue(project=world.project)]
    api_order = [need["id"] for need in _status(world)["needs_adjudication"]]

    assert order[-1] == half.pk
    assert set(order[:2]) == {binary.pk, pair.pk}
    assert api_order == order
