"""The shared sign-in lockout, driven over real HTTP against a live server on loopback.

tests/core/test_lockout.py covers every entrance and address mix through the test client; this
file checks that the same holds for requests that go through a socket, the middleware stack and
the real client address, as a guessing script's would.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.cache import cache

from tests.factories import TEST_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _post(opener, url: str, data: dict[str, str]) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (the live server)
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()


def _token(base: str, username: str, password: str) -> tuple[int, dict[str, str]]:
    status, body = _post(
        _opener()[0], f"{base}/api/auth/token/", {"username": username, "password": password}
    )
    return status, json.loads(body)


def _web_sign_in(base: str, username: str, password: str) -> bool:
    """One sign-in through the form, CSRF token and all; True when it signed in."""
    opener, jar = _opener()
    with opener.open(f"{base}/accounts/login/", timeout=20) as page:
        form = page.read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert csrf, "the sign-in page carries a CSRF token"
    _post(
        opener,
        f"{base}/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": csrf.group(1)},
    )
    return any(cookie.name == "sessionid" for cookie in jar)


@pytest.mark.django_db(transaction=True)
def test_failed_sign_ins_over_http_lock_the_token_endpoint_for_the_right_password(
    live_server, settings
) -> None:
    UserFactory(username="ana")
    base = live_server.url

    status, answer = _token(base, "ana", TEST_PASSWORD)
    assert status == 200, "before any failure the right password works"
    assert answer["token"]
    assert _web_sign_in(base, "ana", TEST_PASSWORD), "and so does the form"

    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert not _web_sign_in(base, "ana", "wrong")

    status, answer = _token(base, "ana", TEST_PASSWORD)
    assert status == 429
    assert "token" not in answer
    assert not _web_sign_in(base, "ana", TEST_PASSWORD), "the form is locked as well"
