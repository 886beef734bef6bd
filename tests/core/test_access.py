"""Every URL pattern is access-checked: anonymous callers are turned away, outsiders get 404.

Each app lists its routes in ``tests/<app>/routes.py`` (ROUTES); a URL pattern that is in no
list fails ``test_every_url_pattern_is_listed``, so a new view cannot ship without these checks.
A pattern must have a name (or it could not be listed), and a pattern that takes an argument
naming an object (a project's slug, a job's id ...) must be declared "project" or "owner", so
that an outsider's 404 is tested, unless ``OPEN_WITH_ARGUMENTS`` below says why not. Every route
is also called with the methods it was not declared for: a view must not act on those either.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import World, client_for
from tests.routes import Route

APPS = ["core", "rubrics", "dialogues", "review", "exports"]

# Django's own pages that are not ours to list: admin has its own staff check.
IGNORED_PREFIXES = ("admin:",)

_RUBRIC_LIBRARY = (
    "rubrics are one library shared by every project, not objects of a project: any reviewer or "
    "lead reads the published ones, leads edit drafts; `allowed` checks those roles"
)
# Routes that take an object's argument and yet are open to every signed-in user ("user") or to
# anyone ("public"), each with the reason. Anything else with an argument is "project"/"owner".
OPEN_WITH_ARGUMENTS: dict[str, str] = {
    "password_reset_confirm": (
        "the link of a password reset mail: the signed token in it is the access check, and a "
        "wrong one shows only that the link is invalid"
    ),
    **dict.fromkeys(
        [
            "rubrics:rubric_detail",
            "rubrics:rubric_version",
            "rubrics:rubric_export",
            "rubrics:rubric_edit",
            "rubrics:rubric_new_version",
            "rubrics:rubric_derive",
            "rubrics:rubric_publish",
            "rubrics:rubric_delete",
            "rubrics:group_add",
            "rubrics:group_edit",
            "rubrics:group_delete",
            "rubrics:criterion_add",
            "rubrics:criterion_edit",
            "rubrics:criterion_delete",
            "api_rubric_versions",
            "api_rubric_version",
        ],
        _RUBRIC_LIBRARY,
    ),
}


def all_routes() -> list[Route]:
    routes: list[Route] = []
    for app in APPS:
        try:
            module = importlib.import_module(f"tests.{app}.routes")
        except ModuleNotFoundError:
            continue
        routes.extend(module.ROUTES)
    return routes


@dataclass(frozen=True)
class Pattern:
    name: str  # with its namespaces; "" when the pattern has no name
    path: str
    arguments: frozenset[str]


def _arguments(pattern) -> frozenset[str]:
    converters = getattr(pattern, "converters", None)
    if converters is not None and converters:
        return frozenset(converters)
    regex = getattr(pattern, "regex", None)
    return frozenset(regex.groupindex) if regex is not None else frozenset()


def _walk(patterns, namespace: str = "", prefix: str = "", inherited=frozenset()):
    for entry in patterns:
        path = prefix + str(entry.pattern)
        arguments = inherited | _arguments(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, path, arguments)
        elif isinstance(entry, URLPattern):
            yield Pattern(f"{namespace}{entry.name}" if entry.name else "", path, arguments)


def url_patterns(urlconf: str | None = None) -> list[Pattern]:
    """Every URL pattern of ours (the admin's excepted), named or not."""
    return [
        pattern
        for pattern in _walk(get_resolver(urlconf).url_patterns)
        if not (pattern.name.startswith(IGNORED_PREFIXES) or pattern.path.startswith("admin/"))
    ]


def unnamed(patterns: list[Pattern]) -> list[str]:
    return [pattern.path for pattern in patterns if not pattern.name]


def open_with_arguments(patterns: list[Pattern], routes: list[Route]) -> dict[str, list[str]]:
    """Routes declared "user"/"public" whose pattern takes arguments, without an exception."""
    declared = {route.name: route.access for route in routes}
    return {
        pattern.name: sorted(pattern.arguments)
        for pattern in patterns
        if pattern.arguments
        and declared.get(pattern.name) in ("user", "public")
        and pattern.name not in OPEN_WITH_ARGUMENTS
    }


def test_every_url_pattern_has_a_name() -> None:
    assert unnamed(url_patterns()) == [], (
        "give these URL patterns a name= and list them in tests/<app>/routes.py"
    )


def test_every_url_pattern_is_listed() -> None:
    names = {pattern.name for pattern in url_patterns() if pattern.name}
    listed = {route.name for route in all_routes()}
    assert names - listed == set(), "add these URL patterns to a tests/<app>/routes.py"
    assert listed - names == set(), "these listed routes no longer exist"


def test_routes_that_name_an_object_are_access_checked_as_such() -> None:
    """An argument names something (a project, a job ...) that an outsider must not reach."""
    assert open_with_arguments(url_patterns(), all_routes()) == {}, (
        "these routes take an object's argument but are declared 'user' or 'public': declare "
        "them 'project' or 'owner' (so the outsider check runs), or add them with the reason "
        "to OPEN_WITH_ARGUMENTS"
    )


def test_the_checks_catch_an_unnamed_pattern_and_an_object_route_declared_open() -> None:
    """The two checks above, on a URLconf made to break them (tests.core.urls_broken)."""
    patterns = url_patterns("tests.core.urls_broken")
    assert unnamed(patterns) == ["things/<int:pk>/"]
    routes = [Route("thing_detail", "user"), Route("thing_file", "public"), Route("home", "user")]
    assert open_with_arguments(patterns, routes) == {
        "thing_detail": ["slug"],
        "thing_file": ["name", "slug"],
    }
    # Declared as belonging to a project, the same routes pass.
    routes = [Route("thing_detail", "project"), Route("thing_file", "owner")]
    assert open_with_arguments(patterns, routes) == {}


def test_every_exception_is_still_needed() -> None:
    declared = {route.name: route.access for route in all_routes()}
    with_arguments = {pattern.name for pattern in url_patterns() if pattern.arguments}
    stale = {
        name
        for name in OPEN_WITH_ARGUMENTS
        if name not in with_arguments or declared.get(name) not in ("user", "public")
    }
    assert stale == set(), "remove these from OPEN_WITH_ARGUMENTS"
    assert all(len(reason) > 20 for reason in OPEN_WITH_ARGUMENTS.values())


ROUTES = all_routes()


def _url(route: Route, world: World) -> str:
    return reverse(route.name, kwargs=route.kwargs(world) if route.kwargs else None)


def _call(client, route: Route, url: str, method: str | None = None):
    return getattr(client, (method or route.method).lower())(url)


METHODS = ("GET", "POST")
OTHER_METHODS = [
    (route, method) for route in ROUTES for method in METHODS if method != route.method
]


def _other_id(case) -> str:
    route, method = case
    return f"{method} {route.name} (declared {route.method})"


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


@pytest.mark.parametrize(
    "case", [case for case in OTHER_METHODS if case[0].access != "public"], ids=_other_id
)
def test_anonymous_is_turned_away_whatever_the_method(case, world: World, client) -> None:
    route, method = case
    response = _call(client, route, _url(route, world), method)
    if route.api:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "case",
    [case for case in OTHER_METHODS if case[0].access in ("project", "owner")],
    ids=_other_id,
)
def test_outsider_gets_404_or_405_whatever_the_method(case, world: World) -> None:
    """A method a view does not take is refused (405) or the object hidden (404), never served."""
    route, method = case
    response = _call(client_for(world.outsider), route, _url(route, world), method)
    assert response.status_code in (404, 405), response.status_code


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
                expected = 400 if route.body_required else 399
                assert response.status_code <= expected, (role, response.status_code)
            else:
                assert response.status_code in (403, 404), (role, response.status_code)
