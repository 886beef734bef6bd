"""Every HTML page carries a Content-Security-Policy that forbids inline scripts.

Each listed route (tests/<app>/routes.py) is called as each role of the world's project, as an
outsider and signed out, with the method it is declared for; every HTML answer among them
(pages, form errors, 403 and 404 pages) is checked, and so are the admin's and the API docs'.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import World, client_for
from tests.core.test_access import ROUTES, _call, _url
from tests.factories import UserFactory
from tests.routes import Route

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*")
# A <script> with code in it; JSON data blocks (json_script) are not run and are allowed.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_csp(response, what: str) -> None:  # type: ignore[no-untyped-def]
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    header = response.get("Content-Security-Policy")
    assert header, f"{what}: an HTML answer without a Content-Security-Policy"
    directives = _directives(header)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts, f"{what}: no script-src (nor default-src) in {header!r}"
    assert not set(scripts) & set(UNSAFE), f"{what}: scripts allowed from {scripts}"
    assert directives.get("object-src") == ["'none'"], what
    body = response.content.decode(errors="replace")
    assert INLINE_SCRIPT.findall(body) == [], f"{what}: an inline <script> the policy would block"


def _callers(world: World) -> dict[str, Client]:
    return {
        "anonymous": Client(),
        **{role: client_for(getattr(world, role)) for role in ("lead", "reviewer", "trainer")},
        "outsider": client_for(world.outsider),
    }


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_html_answer_has_a_strict_content_security_policy(route: Route, world: World) -> None:
    checked = 0
    for who, client in _callers(world).items():
        response = _call(client, route, _url(route, world))
        if response.status_code == 302 and route.method == "GET":
            response = client.get(response["Location"])
        assert_csp(response, f"{route} as {who} ({response.status_code})")
        checked += response.get("Content-Type", "").startswith("text/html")
    if route.method == "GET" and not route.api and route.html:
        assert checked, f"{route}: no caller got an HTML page"


@pytest.mark.django_db
def test_error_pages_admin_and_api_docs_have_it_too(world: World) -> None:
    lead = client_for(world.lead)
    assert_csp(lead.get("/no/such/page/"), "404 page")
    assert_csp(lead.get(reverse("core:project_audit", args=["clinic"]) + "x/"), "404 page")
    assert_csp(
        client_for(world.reviewer).get(reverse("core:project_audit", args=["clinic"])), "403"
    )
    assert_csp(Client().get("/admin/login/"), "admin sign-in")
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert_csp(admin.get("/admin/"), "admin index")
    assert_csp(admin.get(f"/admin/core/job/{world.job.pk}/change/"), "admin job")
    docs = lead.get(reverse("api_docs"))
    assert docs.status_code == 200
    assert_csp(docs, "API docs")


def test_the_check_notices_an_unsafe_policy_and_an_inline_script() -> None:
    from django.http import HttpResponse

    page = HttpResponse("<p>hi</p>")
    page["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    with pytest.raises(AssertionError, match="scripts allowed"):
        assert_csp(page, "page")
    bare = HttpResponse("<p>hi</p>")
    with pytest.raises(AssertionError, match="without a Content-Security-Policy"):
        assert_csp(bare, "page")
    inline = HttpResponse('<script src="/static/a.js"></script><script>alert(1)</script>')
    inline["Content-Security-Policy"] = "default-src 'self'; object-src 'none'"
    with pytest.raises(AssertionError, match="inline <script>"):
        assert_csp(inline, "page")
