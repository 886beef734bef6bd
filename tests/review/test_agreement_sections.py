"""Sections of the report a lead relies on: adjudications kept apart from raw scores, drift by
week, and the period filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from review.models import Adjudication
from review.services.agreement import project_agreement
from tests.conftest import client_for
from tests.factories import ProjectFactory, UserFactory, member
from tests.review.agreement_fixtures import reviewed_item
from tests.review.factories import ReviewSettingsFactory
from tests.review.judge_fixtures import scoring_rubric

pytestmark = pytest.mark.django_db

# Weeks ago -> (ana, ben) warmth scores: two weeks of agreement, then a week of none.
AGREEING = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (2, 2)]
DISAGREEING = [(0, 4), (4, 0), (1, 3), (3, 1), (0, 3), (4, 1)]


@pytest.fixture
def drifting():
    project = ProjectFactory(slug="drift")
    rubric = scoring_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric)
    lead = member(project, "lead")
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    now = timezone.now()
    old, recent = now - timedelta(days=21), now - timedelta(days=1)
    items = {"old": [], "recent": []}
    for when, pairs, key in ((old, AGREEING, "old"), (recent, DISAGREEING, "recent")):
        for a, b in pairs:
            items[key].append(
                reviewed_item(
                    project,
                    rubric,
                    {ana: {"warmth": a, "structure": a}, ben: {"warmth": b, "structure": b}},
                    when=when,
                )
            )
    return {"project": project, "rubric": rubric, "lead": lead, "items": items, "now": now}


def _alpha(report, code="warmth"):
    return next(row for row in report["criteria"] if row["code"] == code)["alpha"]


def test_an_adjudication_leaves_raw_alpha_alone_and_shows_in_its_own_section(drifting):
    before = project_agreement(project=drifting["project"], n_boot=0)
    item = drifting["items"]["recent"][0]
    Adjudication.objects.create(
        item=item,
        lead=drifting["lead"],
        rubric=drifting["rubric"],
        scores={"warmth": 3, "structure": 3},
        reason="settled in the case conference",
    )

    after = project_agreement(project=drifting["project"], n_boot=0)

    assert _alpha(after) == _alpha(before)
    assert after["criteria"] == before["criteria"]
    warmth = next(row for row in after["adjudicated"] if row["criterion"] == "warmth")
    # The reviewers gave 0 and 4 (median 2); the lead's 3 is one point above.
    assert warmth == {"criterion": "warmth", "n_items": 1, "mean_shift": 1.0}
    page = client_for(drifting["lead"]).get(reverse("review:agreement_project", args=["drift"]))
    section = page.content.decode().split('id="adjudicated"')[1].split("</section>")[0]
    assert "1.00" in section


def test_alpha_by_week_shows_the_drift_in_the_report_and_on_the_dashboard(drifting):
    report = project_agreement(project=drifting["project"], n_boot=0)

    weeks = sorted(
        (row for row in report["weeks"] if row["criterion"] == "warmth"), key=lambda r: r["week"]
    )
    assert len(weeks) == 2
    assert weeks[0]["alpha"] == pytest.approx(1.0)
    assert weeks[1]["alpha"] < 0
    page = client_for(drifting["lead"]).get(reverse("review:agreement_project", args=["drift"]))
    section = page.content.decode().split('id="weeks"')[1].split("</section>")[0]
    assert weeks[0]["week"] in section
    assert weeks[1]["week"] in section
    assert "1.000" in section


def test_the_period_filter_changes_the_numbers(drifting):
    client = client_for(drifting["lead"])
    url = reverse("api_agreement", args=["drift"])
    last_week = (drifting["now"] - timedelta(days=7)).date().isoformat()
    three_weeks = (drifting["now"] - timedelta(days=28)).date().isoformat()
    two_weeks = (drifting["now"] - timedelta(days=14)).date().isoformat()

    everything = client.get(url).json()
    recent = client.get(url, {"since": last_week}).json()
    early = client.get(url, {"since": three_weeks, "until": two_weeks}).json()

    assert _alpha(early) == pytest.approx(1.0)
    assert _alpha(recent) < 0
    assert _alpha(recent) < _alpha(everything) < _alpha(early)
    assert next(r for r in recent["criteria"] if r["code"] == "warmth")["n_items"] == 6
    assert recent["filters"]["since"].startswith(last_week)
    page = client.get(reverse("review:agreement_project", args=["drift"]), {"since": last_week})
    row = page.content.decode().split('data-criterion="warmth"')[1].split("</tr>")[0]
    assert f"{_alpha(recent):.3f}" in row
