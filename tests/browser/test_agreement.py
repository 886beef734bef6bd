"""The dashboard shows a judge's bias and its alpha with and without the judge;
a lead configures a judge in the browser and runs it against the scripted test server."""

from __future__ import annotations

import pytest
from django.template.defaultfilters import floatformat
from playwright.sync_api import Page, expect

from core.models import Role
from review.services.agreement import project_agreement
from tests.browser.conftest import login
from tests.factories import member
from tests.review.judge_server import (
    KEY_NAME,
    judge_key_fixture,  # noqa: F401
    judge_server_fixture,  # noqa: F401
)
from tests.review.test_agreement_service import lenient_judge, scored_project


def test_the_dashboard_shows_the_judges_bias_and_alpha_with_and_without_it(page: Page) -> None:
    project, rubric, items = scored_project()
    lead = member(project, Role.LEAD, "lead")
    lenient_judge(project, rubric, items)
    expected = {
        row["code"]: row
        for row in project_agreement(project=project, n_boot=0)["judges"][0]["criteria"]
    }

    login(page, lead)
    page.goto("/review/agreement/")
    page.get_by_role("link", name="Open the dashboard").click()

    expect(page.locator("h1")).to_have_text(f"Agreement in {project.name}")
    judge = page.locator('[data-judge="lenient"]')
    expect(judge).to_contain_text("LLM judge")
    warmth = judge.locator('tr[data-criterion="warmth"]')
    expect(warmth.locator(".humans-alpha")).to_have_text(
        floatformat(expected["warmth"]["humans"]["alpha"], 3)
    )
    expect(warmth.locator(".judge-alpha")).to_have_text(
        floatformat(expected["warmth"]["with_judge"]["alpha"], 3)
    )
    expect(warmth.locator(".judge-bias")).to_have_text(floatformat(expected["warmth"]["bias"], 2))
    # The plots are drawn on the server: the judge's squares beside the reviewers' circles.
    expect(judge.locator("svg .chart-point-judge")).to_have_count(2)
    expect(page.locator("#human-agreement svg .chart-point")).to_have_count(3)


@pytest.mark.usefixtures("judge_key")
def test_a_lead_configures_a_judge_and_runs_it(page: Page, judge_server) -> None:
    project, _rubric, _items = scored_project()
    lead = member(project, Role.LEAD, "lead")

    login(page, lead)
    page.goto(f"/review/{project.slug}/agreement/")
    page.get_by_role("link", name="Add a judge").click()
    page.get_by_label("Name").fill("scripted")
    page.get_by_label("Base URL").fill(judge_server.url)
    page.get_by_label("Model").fill("judge-model-1")
    page.get_by_label("API key").select_option(KEY_NAME)
    page.get_by_label("Rubric version").select_option(label="Rubric skills (v1)")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("h1")).to_have_text("Judge scripted")
    page.get_by_role("button", name="Run over the project's items").click()

    run = page.locator(".judge-run").first
    expect(run.locator("#job-progress")).to_contain_text("Succeeded")
    expect(run.locator("#job-progress")).to_contain_text("8 / 8")
    expect(run).to_contain_text("8 (0 reused, 8 sent)")
    assert len(judge_server.requests) == 8

    page.goto(f"/review/{project.slug}/agreement/")
    expect(page.locator('[data-judge="scripted"]')).to_contain_text("Alpha with the judge")
