"""The accessibility gate: axe-core on every page each role reaches, in English and 简体中文,
finds no serious or critical violation (contrast, labels, names, landmarks)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from core.models import Role
from tests.browser.conftest import login
from tests.factories import member
from tests.review.reviewer_world import review_world

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# Pages that are not pages (downloads, signing out, the API) or that change something on GET.
SKIP = (
    "/accounts/logout",
    "/api/",
    "/admin/",
    "/download/",
    "/files/",
    "/static/",
    "/media/",
    "/export/",
)
MAX_PAGES = 40


def _shape(path: str) -> str:
    """One page per kind: /sessions/3/ and /sessions/4/ are the same page for this test."""
    return re.sub(r"/\d+/", "/N/", path)


def _links(page: Page) -> list[str]:
    hrefs = page.evaluate(
        "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
    )
    found = []
    for href in hrefs:
        if not href or not href.startswith("/") or href.startswith("//"):
            continue
        path = urlsplit(href).path
        if any(part in path for part in SKIP) or re.search(r"\.\w+$", path):  # a file
            continue
        found.append(path)
    return found


def _violations(page: Page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    results = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))"
    )
    return list(results)


def _crawl(page: Page) -> list[str]:
    """Every page reachable by links from the start page, breadth first, up to a bound."""
    queue = [urlsplit(page.url).path, "/"]
    seen = {_shape(path) for path in queue}
    pages = []
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        response = page.goto(path)
        if response is None or response.status >= 400:
            continue
        pages.append(path)
        for link in _links(page):
            if _shape(link) not in seen:
                seen.add(_shape(link))
                queue.append(link)
    return pages


# One case per role and language, so that the lead's long walk (40 pages) is two cases that
# parallel test processes can take at once rather than one that ends the suite last.
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("role", ["lead", "reviewer", "trainer"])
def test_no_serious_accessibility_violation_on_any_page(
    browser: Browser, live_server, transactional_db, role: str, language: str
) -> None:  # type: ignore[no-untyped-def]
    world = review_world(items=3, reviewers=2, overlap=2, pairs=1)
    user = {
        "lead": world.lead,
        "reviewer": world.reviewers[0],
        "trainer": member(world.project, Role.TRAINER),
    }[role]
    # The page's own policy forbids injected scripts; axe is the test's, not the page's.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, bypass_csp=True
    )
    page = context.new_page()
    try:
        # The gate itself works: a picture without a text is a critical violation.
        page.set_content("<main><img src='data:,'></main>")
        assert any(v.startswith("image-alt") for v in _violations(page))
        login(page, user)
        if role == "reviewer":
            page.goto("/review/")
            page.locator("[data-next-item]").click()
            page.wait_for_load_state()
        paths = _crawl(page)
        problems = []
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        for path in paths:
            response = page.goto(path)
            if response is None or response.status >= 400:
                continue
            problems += [f"{language} {path} {v}" for v in _violations(page)]
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
