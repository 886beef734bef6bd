"""OWN_ERROR_PAGES: with DEBUG on, a crash shows the app's 500 page, not a technical one."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.middleware import OwnErrorPagesMiddleware


def _crash(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("the settings would be listed")


@pytest.mark.parametrize(("debug", "own", "answers"), [(True, True, True), (True, False, False)])
def test_a_crash_with_debug_on_shows_the_apps_own_500_page(settings, debug, own, answers) -> None:
    settings.DEBUG = debug
    settings.OWN_ERROR_PAGES = own
    middleware = OwnErrorPagesMiddleware(_crash)
    request = RequestFactory().get("/review/")

    response = middleware.process_exception(request, RuntimeError("boom"))

    if answers:
        assert response is not None
        assert response.status_code == 500
        assert "boom" not in response.content.decode()
        assert "<h1>" in response.content.decode()
    else:
        assert response is None  # Django's own handling, as without the setting
