"""Every URL pattern is access-checked: anonymous callers are turned away, outsiders get 404.

Each app lists its routes in ``tests/<app>/routes.py`` (ROUTES); a URL pattern that is in no
list fails ``test_every_url_pattern_is_listed``, so a new view cannot ship without these checks.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World, client_for
from tests.routes import Route

APPS = ["core", "rubrics", "dialogues", "review", "exports"]

# Django's own pages that are not ours to list: admin has its own staff check.
IGNORED_PREFIXES = ("admin:",)


def all_routes() -> list[Route]:
    routes: list[Route] = []
    for app in APPS:
        try:
            module = importlib.import_module(f"tests.{app}.routes")
        except ModuleNotFoundError:
            continue
        routes.extend(module.ROUTES)
    return routes


def _walk(patterns, namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_url_pattern_is_listed() -> None:
    names = set(_walk(get_resolver().url_patterns))
    names = {name for name in names if not name.startswith(IGNORED_PREFIXES)}
    listed = {route.name for route in all_routes()}
    assert names - listed == set(), "add these URL patterns to a tests/<app>/routes.py"
    assert listed - names == set(), "these listed routes no longer exist"


ROUTES = all_routes()


def _url(route: Route, world: World) -> str:
    return reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None)


def _call(client, route: Route, url: str):
    method = route.method.lower()
    return getattr(client, method)(url)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access != "public"], ids=str)
def test_anonymous_is_turned_away(route: Route, world: World, client) -> None:
    response = _call(client, route, _url(route, world))
    if route.api:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access == "public"], ids=str)
def test_public_routes_open_without_signing_in(route: Route, world: World, client) -> None:
    response = _call(client, route, _url(route, world))
    assert response.status_code not in (401, 403, 404)
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access in ("project", "owner")], ids=str)
def test_outsider_gets_404(route: Route, world: World) -> None:
    response = _call(client_for(world.outsider), route, _url(route, world))
    assert response.status_code == 404


ROLE_ROUTES = [route for route in ROUTES if route.allowed]

# Defined only once some route limits itself to certain roles; an empty parametrisation would
# show as a skipped test that proves nothing.
if ROLE_ROUTES:

    @pytest.mark.parametrize("route", ROLE_ROUTES, ids=str)
    def test_roles_without_the_right_are_refused(route: Route, world: World) -> None:
        """A member whose role lacks the right gets 403 (or 404 where existence is private)."""
        for role in ("lead", "reviewer", "trainer"):
            user = getattr(world, role)
            response = _call(client_for(user), route, _url(route, world))
            if route.allowed is not None and role in route.allowed:
                assert response.status_code < 400, (role, response.status_code)
            else:
                assert response.status_code in (403, 404), (role, response.status_code)
