"""With DEBUG on, the demo still shows Rapport's own error pages, never Django's technical ones.

`make demo` runs with DEBUG on and OWN_ERROR_PAGES on: a reviewer who follows a link to an item
that is not there must see the app's "Not found", not a list of every URL pattern.
"""

from __future__ import annotations

from playwright.sync_api import Page

from core.models import Role
from tests.browser.conftest import login
from tests.factories import ProjectFactory, member

OWN_404 = "There is nothing here, or you do not have access to it."


def test_the_demo_answers_a_missing_page_with_its_own_404(page: Page, settings) -> None:
    settings.DEBUG = True
    settings.OWN_ERROR_PAGES = True
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    login(page, lead)

    for path in ("/review/clinic/lead/items/999999/", "/no/such/page/"):
        # Asked outside the page, as a failed load would be logged as a console error.
        answer = page.request.get(path)
        body = answer.text()
        assert answer.status == 404, path
        assert "URLconf" not in body, path
        assert OWN_404 in body, path
