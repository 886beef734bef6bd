from __future__ import annotations

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from core.models import Membership
from tests.factories import (
    NEW_PASSWORD,
    TEST_PASSWORD,
    ProjectFactory,
    UserFactory,
    change_password_on_the_page,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_sign_in_and_out(client: Client) -> None:
    user = UserFactory(username="ana")
    response = _login(client, "ana", TEST_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home")).status_code == 200

    assert client.get(reverse("logout")).status_code == 405  # signing out is a POST
    client.post(reverse("logout"))
    assert client.get(reverse("core:home")).status_code == 302
    assert user.is_active


@pytest.mark.django_db
def test_repeated_failures_lock_the_form_for_a_while(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    UserFactory(username="ana")
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert _login(client, "ana", "wrong").status_code == 200
    blocked = _login(client, "ana", TEST_PASSWORD)
    assert blocked.status_code == 200
    assert "Too many failed sign-in attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_by_email_sets_a_new_password(client: Client) -> None:
    UserFactory(username="ana", email="ana@example.org")
    client.post(reverse("password_reset"), {"email": "ana@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new_password = "a fresh long passphrase 42"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    client.logout()
    assert _login(client, "ana", new_password).status_code == 302


@pytest.mark.django_db
def test_reset_for_an_unknown_address_reveals_nothing(client: Client) -> None:
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If an account has that address" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db
def test_change_password(client: Client) -> None:
    user = UserFactory(username="ana")
    response = change_password_on_the_page(client, user)
    new_password = NEW_PASSWORD
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


@pytest.mark.django_db
def test_there_is_no_sign_up(client: Client) -> None:
    for path in ["/accounts/signup/", "/accounts/register/", "/signup/"]:
        assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_create_user_command_prints_a_random_password_once() -> None:
    project = ProjectFactory(slug="clinic")
    out = StringIO()
    call_command(
        "create_user",
        "mei",
        "--email",
        "mei@example.org",
        "--project",
        "clinic",
        "--role",
        "reviewer",
        stdout=out,
    )
    password = re.search(r"Password \(shown once\): (\S+)", out.getvalue())
    assert password is not None
    assert len(password.group(1)) >= 16
    user = get_user_model().objects.get(username="mei")
    assert user.check_password(password.group(1))
    assert not user.is_staff
    assert Membership.objects.get(user=user, project=project).role == "reviewer"

    out2 = StringIO()
    call_command("create_user", "lin", stdout=out2)
    assert re.search(r"shown once\): (\S+)", out2.getvalue()).group(1) != password.group(1)


@pytest.mark.django_db
def test_api_token_obtained_with_a_password_authenticates_calls(client: Client) -> None:
    UserFactory(username="ana")
    token = client.post("/api/auth/token/", {"username": "ana", "password": TEST_PASSWORD}).json()[
        "token"
    ]
    api = Client()
    me = api.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["username"] == "ana"


@pytest.mark.django_db
def test_anonymous_api_calls_get_401_and_basic_auth_is_not_accepted(client: Client) -> None:
    UserFactory(username="ana")
    anonymous = client.get("/api/me/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    import base64

    basic = base64.b64encode(f"ana:{TEST_PASSWORD}".encode()).decode()
    assert client.get("/api/me/", HTTP_AUTHORIZATION=f"Basic {basic}").status_code == 401


@pytest.mark.django_db
def test_token_endpoint_is_throttled(client: Client) -> None:
    UserFactory(username="ana")
    statuses = [
        client.post("/api/auth/token/", {"username": "ana", "password": "guess"}).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 400
    assert statuses[-1] == 429


@pytest.mark.django_db
def test_api_token_page_makes_and_revokes_a_token(client: Client) -> None:
    user = UserFactory(username="ana")
    client.force_login(user)
    made = client.post(reverse("core:api_token"), {"name": "script"}).content.decode()
    key = re.search(r'<pre class="code" id="new-token">(\w+)</pre>', made)
    assert key is not None
    assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key.group(1)}").status_code == 200
    # Shown once: the page does not show it again.
    assert key.group(1) not in client.get(reverse("core:api_token")).content.decode()
    revoke = re.search(r'action="(/account/api-tokens/\d+/revoke/)"', made)
    assert revoke is not None
    client.post(revoke.group(1))
    assert Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key.group(1)}").status_code == 401


def test_the_test_password_is_made_fresh_for_each_run() -> None:
    """No password that signs in to a test database is written down in the repository."""
    show = (
        "import django; django.setup(); "
        "from tests.factories import TEST_PASSWORD; print(TEST_PASSWORD)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", show],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs[0] != runs[1]
    assert all(len(password) >= 20 for password in runs)
    assert runs[0] not in (ROOT / "tests" / "factories.py").read_text()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["ana lee", "<script>", "ana/../x", "a" * 151])
def test_create_user_refuses_a_user_name_django_would_refuse(username: str) -> None:
    with pytest.raises(CommandError, match="user name"):
        call_command("create_user", username, stdout=StringIO())
    assert not get_user_model().objects.filter(username=username).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
)
def test_a_signed_out_or_expired_session_is_refused_whatever_the_session_engine(
    settings, engine: str
) -> None:  # type: ignore[no-untyped-def]
    """With sessions read from the cache (CACHE_URL set), signing out still ends the session
    for every copy of its cookie, and an expired session is not taken from the cache."""
    from datetime import timedelta

    from django.utils import timezone

    settings.SESSION_ENGINE = engine
    UserFactory(username="ana")
    browser = Client()
    _login(browser, "ana", TEST_PASSWORD)
    assert browser.get(reverse("core:ping")).status_code == 200
    copy = Client()  # the same cookie in another browser (or a stolen one)
    copy.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert copy.get(reverse("core:ping")).status_code == 200
    browser.post(reverse("logout"))
    assert copy.get(reverse("core:ping")).status_code == 302

    _login(browser, "ana", TEST_PASSWORD)
    assert browser.get(reverse("core:ping")).status_code == 200
    key = browser.cookies["sessionid"].value
    store = __import__(engine, fromlist=["SessionStore"]).SessionStore(session_key=key)
    store.load()
    store.set_expiry(timezone.now() - timedelta(seconds=1))
    store.save()
    assert browser.get(reverse("core:ping")).status_code == 302
