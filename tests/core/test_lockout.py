"""One sign-in lockout per account, shared by the sign-in form, the admin and the token endpoint.

Every request names its REMOTE_ADDR so that each test says exactly which client it plays. The
token endpoint's own per-address rate (10 a minute) is kept under by spreading its calls over
addresses where a test needs more.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from core.throttle import USER_FACTOR
from tests.factories import TEST_PASSWORD, UserFactory

THROTTLED = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def _web(username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )
    response.signed_in = "_auth_user_id" in client.session
    return response


def _admin(username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )
    response.signed_in = "_auth_user_id" in client.session
    return response


def _token(username: str, password: str, address: str):  # type: ignore[no-untyped-def]
    return Client().post(
        "/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _spread(n: int) -> str:
    """The n-th of many attacker addresses, a few tries each."""
    return f"203.0.113.{n // 3 + 1}"


@pytest.mark.django_db
def test_after_failed_web_sign_ins_the_token_endpoint_refuses_the_right_password(
    settings,
) -> None:
    UserFactory(username="ana")
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        _web("ana", "wrong", "198.51.100.9")
    refused = _token("ana", TEST_PASSWORD, "198.51.100.9")
    assert refused.status_code == 429
    assert "token" not in refused.json()
    assert THROTTLED in refused.json()["detail"]


@pytest.mark.django_db
def test_an_account_locked_from_many_addresses_is_refused_at_every_entrance(settings) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for n in range(settings.LOGIN_THROTTLE_ATTEMPTS * USER_FACTOR):
        _web("root", "wrong", _spread(n))

    fresh = "192.0.2.44"
    web = _web("root", TEST_PASSWORD, fresh)
    assert THROTTLED in web.content.decode()
    assert not web.signed_in
    admin = _admin("root", TEST_PASSWORD, fresh)
    assert THROTTLED in admin.content.decode()
    assert not admin.signed_in
    token = _token("root", TEST_PASSWORD, fresh)
    assert token.status_code == 429
    assert "token" not in token.json()


@pytest.mark.django_db
def test_guesses_at_the_token_endpoint_lock_the_web_form_and_the_admin(settings) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    statuses = [
        _token("root", "wrong", _spread(n)).status_code
        for n in range(settings.LOGIN_THROTTLE_ATTEMPTS * USER_FACTOR)
    ]
    assert statuses[0] == 400

    fresh = "192.0.2.44"
    web = _web("root", TEST_PASSWORD, fresh)
    assert THROTTLED in web.content.decode()
    assert not web.signed_in
    admin = _admin("root", TEST_PASSWORD, fresh)
    assert THROTTLED in admin.content.decode()
    assert not admin.signed_in
    assert _token("root", TEST_PASSWORD, fresh).status_code == 429


@pytest.mark.django_db
def test_guesses_at_the_admin_lock_the_token_endpoint(settings) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for n in range(settings.LOGIN_THROTTLE_ATTEMPTS * USER_FACTOR):
        _admin("root", "wrong", _spread(n))
    assert _token("root", TEST_PASSWORD, "192.0.2.44").status_code == 429


@pytest.mark.django_db
def test_a_locked_accounts_refusal_is_the_same_for_the_right_and_a_wrong_password(
    settings,
) -> None:
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for n in range(settings.LOGIN_THROTTLE_ATTEMPTS * USER_FACTOR):
        _token("root", "wrong", _spread(n))
    fresh = "192.0.2.44"
    right, wrong = _token("root", TEST_PASSWORD, fresh), _token("root", "wrong2", fresh)
    assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
    for entrance in (_web, _admin):
        right, wrong = entrance("root", TEST_PASSWORD, fresh), entrance("root", "wrong", fresh)
        assert right.status_code == wrong.status_code
        assert THROTTLED in right.content.decode()
        assert THROTTLED in wrong.content.decode()


@pytest.mark.django_db
def test_the_lockout_passes_with_its_window(settings) -> None:
    UserFactory(username="ana")
    for n in range(settings.LOGIN_THROTTLE_ATTEMPTS * USER_FACTOR):
        _token("ana", "wrong", _spread(n))
    assert _token("ana", TEST_PASSWORD, "192.0.2.44").status_code == 429
    cache.clear()  # what the cache does once LOGIN_THROTTLE_WINDOW has passed
    assert _token("ana", TEST_PASSWORD, "192.0.2.44").status_code == 200
    assert _web("ana", TEST_PASSWORD, "192.0.2.44").signed_in


@pytest.mark.django_db
def test_a_lockout_is_audited_once_with_the_account_and_where_it_happened(settings) -> None:
    ana = UserFactory(username="ana")
    for n in range(settings.LOGIN_THROTTLE_ATTEMPTS * USER_FACTOR + 3):
        _token("ana", "wrong", _spread(n))
    events = AuditEvent.objects.filter(action="account.locked")
    assert events.count() == 1
    event = events.get()
    assert (event.object_type, event.object_id) == ("auth.User", str(ana.pk))
    assert event.after["entrance"] == "api"
    assert event.after["scope"] == "account"

    # One client's own lockout on one account is recorded too.
    bob = UserFactory(username="bob")
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS + 2):
        _web("bob", "wrong", "198.51.100.9")
    client_lock = AuditEvent.objects.get(action="account.locked_for_client")
    assert client_lock.object_id == str(bob.pk)
    assert client_lock.after["entrance"] == "web"
    assert client_lock.after["address"] == "198.51.100.9"


@pytest.mark.django_db
def test_a_sprayer_of_names_at_the_web_form_is_stopped_at_the_token_endpoint(settings) -> None:
    """The per-address ceiling counts every entrance."""
    settings.LOGIN_THROTTLE_ATTEMPTS = 2
    UserFactory(username="ana")
    for n in range(40):
        _web(f"name{n}", "wrong", "203.0.113.9")
    assert _token("ana", TEST_PASSWORD, "203.0.113.9").status_code == 429
    assert _token("ana", TEST_PASSWORD, "192.0.2.44").status_code == 200
