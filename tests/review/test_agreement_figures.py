"""Figures that say how much they rest on: seed, dropped resamples, thin data, reasons."""

from __future__ import annotations

import csv
import io
import json
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Membership, Role
from review.services.agreement import project_agreement
from review.stats import alpha_estimate
from tests.conftest import client_for
from tests.factories import ProjectFactory, UserFactory
from tests.review.agreement_fixtures import krippendorff_reviews, level_rubric, reviewed_item
from tests.review.agreement_judges import judge_pair_choices, pairs_two_reviewers_chose_a
from tests.review.factories import (
    ReviewSettingsFactory,
)

pytestmark = pytest.mark.django_db


def _intervals(report: dict) -> list:
    rows = [*report["criteria"], report["composite"], *report["weeks"]]
    return [(row["low"], row["high"]) for row in rows]


def test_the_seed_reaches_every_human_interval():
    project = ProjectFactory(slug="study")
    krippendorff_reviews(project, level_rubric())

    first = project_agreement(project=project, n_boot=200, seed=1)
    again = project_agreement(project=project, n_boot=200, seed=1)
    other = project_agreement(project=project, n_boot=200, seed=2)

    assert _intervals(first) == _intervals(again)
    for mine, theirs in zip(_intervals(first), _intervals(other), strict=True):
        assert mine != theirs


def test_agreement_report_seed_changes_the_printed_intervals():
    project = ProjectFactory(slug="study")
    krippendorff_reviews(project, level_rubric())

    def printed(seed: int) -> dict:
        out = StringIO()
        call_command(
            "agreement_report", "--project", "study", "--json", "--seed", str(seed), stdout=out
        )
        return json.loads(out.getvalue())

    one, two = printed(1), printed(2)
    assert one["seed"] == 1
    assert [r["low"] for r in one["criteria"]] != [r["low"] for r in two["criteria"]]
    assert [r["low"] for r in one["criteria"]] == [r["low"] for r in printed(1)["criteria"]]


def _thin_project(*, slug: str = "thin"):
    """Two reviewers, four items, three of which they scored 1 and 1: about a third of the
    resamples draw only those and have no variation."""
    project = ProjectFactory(slug=slug)
    rubric = level_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric)
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for a, b in [(1, 1), (1, 1), (1, 1), (1, 2)]:
        reviewed_item(project, rubric, {ana: {"interval": a}, ben: {"interval": b}})
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    return project, lead


def test_dropped_resamples_are_counted_in_the_report():
    project, _lead = _thin_project()

    report = project_agreement(project=project, n_boot=1000, seed=0)

    row = next(r for r in report["criteria"] if r["code"] == "interval")
    assert row["n_boot"] == 1000
    assert 200 < row["n_boot_dropped"] < 450
    assert "dropped_resamples" in row["warnings"]


def test_thin_data_is_marked_unreliable_in_the_report():
    project, _lead = _thin_project()

    report = project_agreement(project=project, n_boot=100)

    row = next(r for r in report["criteria"] if r["code"] == "interval")
    assert row["unreliable"] is True
    assert "few_items" in row["warnings"]


def test_enough_items_with_two_raters_each_are_not_marked():
    ratings = pd.DataFrame(
        [
            {"item": item, "rater": rater, "value": float((item + (rater == "b")) % 5)}
            for item in range(40)
            for rater in ("a", "b")
        ]
    )

    result = alpha_estimate(ratings=ratings, level="interval", n_boot=100)

    assert not result.unreliable
    assert result.warnings == ()


def test_one_rating_per_item_on_average_is_too_few_raters():
    # 30 items rated twice, 60 rated once: 1.33 ratings per item.
    rows = [
        {"item": item, "rater": rater, "value": float((item * 7 + (rater == "b")) % 5)}
        for item in range(30)
        for rater in ("a", "b")
    ]
    rows += [{"item": 100 + item, "rater": "a", "value": 1.0} for item in range(60)]

    result = alpha_estimate(ratings=pd.DataFrame(rows), level="interval", n_boot=50)

    assert result.n_items == 30
    assert result.unreliable
    assert "few_raters" in result.warnings
    assert "few_items" not in result.warnings


def test_interval_bounds_never_leave_minus_one_to_one():
    ratings = pd.DataFrame(
        {
            "item": np.repeat(np.arange(6), 3),
            "rater": ["a", "b", "c"] * 6,
            # Perfect agreement: float rounding put the upper bound at 1.0000000000000002.
            "value": np.repeat([6.4, 2.7, 0.4, 0.2, 8.1, 9.1], 3),
        }
    )

    result = alpha_estimate(ratings=ratings, level="interval", n_boot=50)

    assert result.alpha <= 1
    assert -1 <= result.low <= result.high <= 1


def test_the_page_csv_and_api_show_dropped_resamples_and_thin_data():
    project, lead = _thin_project()
    url = reverse("review:agreement_project", args=[project.slug])

    page = client_for(lead).get(url).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client_for(lead)
                    .get(reverse("review:agreement_download", args=[project.slug]))
                    .streaming_content
                ).decode()
            )
        )
    )
    api = APIClient()
    api.force_authenticate(lead)
    body = api.get(reverse("api_agreement", args=[project.slug])).json()

    assert "resamples had no variation and were left out" in page
    assert "Unreliable" in page
    assert "chart-row-unreliable" in page  # drawn hollow and grey in the chart
    by_key = {(r[0], r[2], r[4]): r[5] for r in rows[1:]}
    assert int(by_key[("criterion", "interval", "n_boot_dropped")]) > 50
    assert by_key[("criterion", "interval", "unreliable")] == "True"
    row = next(r for r in body["criteria"] if r["code"] == "interval")
    assert row["n_boot_dropped"] > 50
    assert row["unreliable"] is True
    assert "few_items" in row["warnings"]


def test_the_reason_an_alpha_is_undefined_is_written_out():
    project = ProjectFactory(slug="same")
    rubric = level_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric)
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for _ in range(3):
        reviewed_item(project, rubric, {ana: {"ordinal": 2}, ben: {"ordinal": 2}})
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)

    page = client_for(lead).get(reverse("review:agreement_project", args=["same"]))
    out = StringIO()
    call_command("agreement_report", "--project", "same", stdout=out)

    text = page.content.decode()
    # In the cell's text, not only in a tooltip.
    assert ">Every rating has the same value<" in text
    assert ">No item has two ratings yet<" in text
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()[2:]}
    assert "every rating has the same value" in lines["ordinal"]
    assert "no item has two ratings" in lines["nominal"]


def test_the_weekly_table_states_its_resample_count():
    project = ProjectFactory(slug="study")
    krippendorff_reviews(project, level_rubric())
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)

    page = client_for(lead).get(reverse("review:agreement_project", args=["study"]))

    report = project_agreement(project=project, n_boot=50)
    assert {row["n_boot"] for row in report["weeks"]} == {200}
    assert "from 200 bootstrap resamples" in page.content.decode().split('id="weeks"')[1]


def test_a_pair_judged_in_one_order_is_no_judge_preference_and_is_counted():
    items, config = pairs_two_reviewers_chose_a(5)
    project = config.project
    # Three pairs in both orders; two only as A-then-B (the swapped call failed).
    judge_pair_choices(
        config,
        {
            items[0]: ("a", "a"),
            items[1]: ("a", "a"),
            items[2]: ("b", "b"),
            items[3]: ("a", None),
            items[4]: ("a", None),
        },
    )
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)

    (judge,) = project_agreement(project=project, n_boot=0)["judges"]
    page = client_for(lead).get(reverse("review:agreement_project", args=["pairs"]))
    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client_for(lead)
                    .get(reverse("review:agreement_download", args=["pairs"]))
                    .streaming_content
                ).decode()
            )
        )
    )

    assert judge["pairwise"]["n_items"] == 3
    assert judge["pairwise"]["agreement"] == pytest.approx(2 / 3)
    assert judge["pairwise"]["n_one_order"] == 2
    assert "2 pairs were judged in one order only" in page.content.decode()
    by_key = {(r[0], r[1], r[2], r[4]): r[5] for r in rows[1:]}
    assert by_key[("judge_pairwise", "pairs", "choice", "n_one_order")] == "2"


def test_imported_raters_never_merge_with_reviewers_of_the_same_name(tmp_path):
    project = ProjectFactory(slug="study")
    rubric = level_rubric()
    krippendorff_reviews(project, rubric)
    lead = UserFactory(username="lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    path = tmp_path / "ratings.csv"
    lines = ["item,rater,criterion,score"]
    for unit, (a, b) in enumerate([(1, 1), (2, 3), (4, 4), (5, 4)]):
        lines += [f"u{unit},observer-A,ordinal,{a}", f"u{unit},observer-B,ordinal,{b}"]
    path.write_text("\n".join(lines) + "\n")
    call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011")

    report = project_agreement(project=project, rubric=rubric, n_boot=0)
    page = client_for(lead).get(reverse("review:agreement_project", args=["study"]))

    row = next(r for r in report["criteria"] if r["code"] == "ordinal")
    assert row["n_raters"] == 6
    raters = {r["rater"] for r in report["reviewers"] if r["criterion"] == "ordinal"}
    assert {"observer-A", "ext:observer-A", "observer-B", "ext:observer-B"} <= raters
    text = page.content.decode()
    assert 'data-rater="ext:observer-A"' in text
    assert "Imported rater" in text
