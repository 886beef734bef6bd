"""Throttles against password guessing and reset-mail floods, and whose address they count.

Every request names its REMOTE_ADDR (and, where a proxy is in play, X-Forwarded-For) so that
each test says exactly which client it plays.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from core.http import client_address
from core.throttle import ADDRESS_FACTOR, USER_FACTOR
from tests.factories import TEST_PASSWORD, UserFactory

PROXY = "127.0.0.1"  # what every request looks like behind nginx on the same host
THROTTLED = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_one_proxy(settings):  # type: ignore[no-untyped-def]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def _login(username: str, password: str, address: str = PROXY, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    response.signed_in = "_auth_user_id" in client.session
    return response


# --- Whose address ----------------------------------------------------------------------------


def test_the_forwarded_header_is_ignored_unless_proxies_are_declared(settings) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_address(request) == "10.1.1.1"


def test_behind_proxies_the_address_they_appended_counts_not_the_clients_own(
    settings, behind_one_proxy
) -> None:
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    assert client_address(spoofed) == "198.51.100.4"
    assert client_address(factory.get("/", REMOTE_ADDR=PROXY)) == PROXY

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    forwarded = "6.6.6.6, 198.51.100.4, 10.0.0.2"
    two = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(two) == "198.51.100.4"


# --- The API's token endpoint -----------------------------------------------------------------


def _token(client: Client, forwarded: str, address: str = PROXY) -> int:
    return client.post(
        "/api/auth/token/",
        {"username": "ana", "password": "guess"},
        REMOTE_ADDR=address,
        HTTP_X_FORWARDED_FOR=forwarded,
    ).status_code


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_get_round_the_token_throttle(client) -> None:
    UserFactory(username="ana")
    statuses = [_token(client, f"10.0.{n}.1") for n in range(12)]
    assert statuses[0] == 400
    assert statuses[-1] == 429


@pytest.mark.django_db
def test_behind_a_proxy_the_token_throttle_counts_each_real_client(
    client, behind_one_proxy
) -> None:
    UserFactory(username="ana")
    # The attacker writes a new X-Forwarded-For each time; nginx appends the real address.
    statuses = [_token(client, f"10.0.{n}.1, 198.51.100.7") for n in range(12)]
    assert statuses[-1] == 429
    # Someone else behind the same proxy is a different client.
    assert _token(client, "192.0.2.20") == 400


# --- The sign-in form -------------------------------------------------------------------------


@pytest.mark.django_db
def test_failures_under_other_names_do_not_lock_out_another_user(settings) -> None:
    """Everyone behind the proxy shares one address; one attacker there must not lock them out."""
    UserFactory(username="ana")
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    for _ in range(limit):
        _login("bob", "wrong")
    for n in range(limit * 2):
        _login(f"guess{n}", "wrong")
    assert THROTTLED in _login("bob", "wrong").content.decode()

    ana = _login("ana", TEST_PASSWORD)
    assert ana.status_code == 302
    assert ana.signed_in


@pytest.mark.django_db
def test_repeated_failures_on_one_account_lock_it_for_that_client(settings) -> None:
    UserFactory(username="ana")
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert not _login("ana", "wrong", "203.0.113.5").signed_in
    blocked = _login("ana", TEST_PASSWORD, "203.0.113.5")
    assert THROTTLED in blocked.content.decode()
    assert not blocked.signed_in
    # One attacker cannot lock the account's owner out from her own address.
    assert _login("ana", TEST_PASSWORD, "192.0.2.44").signed_in


@pytest.mark.django_db
def test_guesses_at_one_account_spread_over_addresses_lock_it_everywhere(settings) -> None:
    UserFactory(username="ana")
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    for n in range(limit * USER_FACTOR):
        _login("ana", "wrong", f"203.0.113.{n % (USER_FACTOR + 1)}")
    blocked = _login("ana", TEST_PASSWORD, "192.0.2.44")
    assert THROTTLED in blocked.content.decode()
    assert not blocked.signed_in


@pytest.mark.django_db
def test_one_client_spraying_many_names_is_stopped_at_a_higher_ceiling(settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    UserFactory(username="ana")
    for n in range(2 * ADDRESS_FACTOR):
        _login(f"name{n}", "wrong", "203.0.113.9")
    assert THROTTLED in _login("ana", TEST_PASSWORD, "203.0.113.9").content.decode()
    assert _login("ana", TEST_PASSWORD, "192.0.2.44").signed_in


@pytest.mark.django_db
def test_behind_a_proxy_the_sign_in_throttle_counts_each_real_client(
    settings, behind_one_proxy
) -> None:
    UserFactory(username="ana")
    for n in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        # A made-up X-Forwarded-For is no way out: nginx appends the attacker's real address.
        _login("ana", "wrong", forwarded=f"10.9.{n}.1, 198.51.100.7")
    assert THROTTLED in _login("ana", TEST_PASSWORD, forwarded="198.51.100.7").content.decode()
    assert _login("ana", TEST_PASSWORD, forwarded="192.0.2.44").signed_in


@pytest.mark.django_db
def test_a_correct_sign_in_clears_only_its_own_count(settings) -> None:
    UserFactory(username="ana")
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    for _ in range(limit - 1):
        _login("ana", "wrong")
    assert _login("ana", TEST_PASSWORD).signed_in
    for _ in range(limit - 1):
        _login("ana", "wrong")
    assert _login("ana", TEST_PASSWORD).signed_in


# --- The admin's sign-in page -----------------------------------------------------------------


def _admin_login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.5",
    )


@pytest.mark.django_db
def test_the_admin_sign_in_is_throttled_too(client) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(30):
        assert _admin_login(client, "root", "wrong").status_code == 200
    blocked = _admin_login(client, "root", TEST_PASSWORD)
    assert blocked.status_code == 200
    assert THROTTLED in blocked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_sign_in_still_works_and_refuses_non_staff(client) -> None:
    UserFactory(username="root", is_staff=True)
    UserFactory(username="ana")
    refused = _admin_login(client, "ana", TEST_PASSWORD)
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    signed_in = _admin_login(client, "root", TEST_PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/admin/"


# --- Password reset ---------------------------------------------------------------------------


def _reset(client: Client, email: str, address: str = "203.0.113.5"):  # type: ignore[no-untyped-def]
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_password_reset_is_limited_per_email_address(client, settings) -> None:
    UserFactory(username="ana", email="ana@example.org")
    limit = settings.PASSWORD_RESET_THROTTLE_ATTEMPTS
    for n in range(limit):
        assert _reset(client, "ana@example.org", f"198.51.100.{n}").status_code == 302
    assert len(mail.outbox) == limit

    refused = _reset(client, "ana@example.org", "192.0.2.1")
    assert refused.status_code == 429
    assert "Too many password reset requests. Wait 60 minutes" in refused.content.decode()
    assert len(mail.outbox) == limit


@pytest.mark.django_db
def test_password_reset_is_limited_per_client_and_says_nothing_about_accounts(
    client, settings
) -> None:
    UserFactory(username="ana", email="ana@example.org")
    limit = settings.PASSWORD_RESET_THROTTLE_ATTEMPTS
    # Addresses without an account count like any other, so the limit reveals nothing.
    for n in range(limit):
        assert _reset(client, f"nobody{n}@example.org").status_code == 302
    assert mail.outbox == []
    assert _reset(client, "ana@example.org").status_code == 429
    assert mail.outbox == []
    # Another client is not held up.
    assert _reset(client, "ana@example.org", "192.0.2.1").status_code == 302
    assert len(mail.outbox) == 1
