"""The API's documentation page under the Content-Security-Policy, and the shell on a tablet."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.models import Job, Role
from rubrics.models import Rubric
from tests.browser.conftest import login
from tests.dialogues.factories import SessionFactory
from tests.factories import JobFactory, ProjectFactory, member
from tests.rubrics.factories import CriterionFactory, RubricFactory

LONG = "一个很长的中文项目名称，用来检查布局在平板宽度下不会被撑破" * 3


def test_the_api_docs_load_for_a_signed_in_user_without_console_errors(page: Page) -> None:
    """Swagger UI comes from the vendored sidecar; the page fixture fails on any console error,
    so a script or style the policy blocks fails this test."""
    user = member(ProjectFactory(), Role.TRAINER, "trainer")
    login(page, user)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Rapport API")
    expect(
        page.locator(".opblock-summary-path").filter(has_text="/api/jobs/").first
    ).to_be_visible()
    # Its assets are ours, not a CDN's.
    sources = page.eval_on_selector_all(
        "script[src], link[href]", "els => els.map(e => e.src || e.href)"
    )
    assert sources, "no scripts or styles at all"
    assert all(source.startswith(page.url.split("/api/")[0]) for source in sources), sources


@pytest.fixture
def busy_lead(db):  # type: ignore[no-untyped-def]
    project = ProjectFactory(name=LONG, slug="long")
    lead = member(project, Role.LEAD, "lead")
    for n in range(3):
        SessionFactory(project=project, source_id=f"{LONG}-{n}")
    JobFactory(
        project=project,
        started_by=lead,
        status=Job.Status.FAILED,
        message=LONG,
        error_report=LONG,
    )
    rubric = RubricFactory(
        slug="long-rubric", name={"en": LONG, "zh-hans": LONG}, status=Rubric.Status.PUBLISHED
    )
    CriterionFactory(rubric=rubric)
    return lead


@pytest.mark.parametrize(
    "path", ["/sessions/", "/review/", "/jobs/", "/rubrics/"], ids=lambda path: path.strip("/")
)
def test_main_pages_fit_a_tablet_without_scrolling_sideways(page: Page, busy_lead, path) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 768, "height": 1024})
    login(page, busy_lead)
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    expect(page.locator("h1").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a 768px tablet"
