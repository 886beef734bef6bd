"""API tokens expire, die with a password change, are kept only as digests, and are listed and
revoked by their owner on the API tokens page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.models import AuditEvent
from tests.factories import NEW_PASSWORD, TEST_PASSWORD, UserFactory, change_password_on_the_page


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def _obtain(username: str = "ana", password: str = TEST_PASSWORD) -> dict:  # type: ignore[type-arg]
    response = Client().post("/api/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200
    return response.json()


def _me(key: str) -> int:
    return Client().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code


@pytest.mark.django_db
def test_a_token_from_the_endpoint_says_when_it_expires_and_is_refused_after(settings) -> None:
    settings.API_TOKEN_TTL_DAYS = 7
    UserFactory(username="ana")
    answer = _obtain()
    expires_at = parse_datetime(answer["expires_at"])
    assert expires_at is not None
    assert abs(expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=5)
    assert _me(answer["token"]) == 200

    from core.models import ApiToken

    # What the passing of seven days does to the token:
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(answer["token"]) == 401
    event = AuditEvent.objects.get(action="account.token.expired")
    assert event.before["user"] == "ana"
    assert _me(answer["token"]) == 401
    assert AuditEvent.objects.filter(action="account.token.expired").count() == 1


@pytest.mark.django_db
def test_each_call_to_the_endpoint_makes_a_new_token_and_is_audited() -> None:
    UserFactory(username="ana")
    first, second = _obtain()["token"], _obtain()["token"]
    assert first != second
    assert _me(first) == 200
    assert _me(second) == 200
    assert AuditEvent.objects.filter(action="account.token.create").count() == 2


@pytest.mark.django_db
def test_only_a_digest_of_the_key_is_stored() -> None:
    from core.models import ApiToken

    UserFactory(username="ana")
    key = _obtain()["token"]
    stored = ApiToken.objects.values().get()
    assert key not in [str(value) for value in stored.values()]
    assert stored["prefix"] == key[:8]


@pytest.mark.django_db
def test_changing_the_password_revokes_every_token(client: Client) -> None:
    user = UserFactory(username="ana")
    keys = [_obtain()["token"], _obtain()["token"]]
    response = change_password_on_the_page(client, user)
    new_password = NEW_PASSWORD
    assert response.status_code == 302
    assert [_me(key) for key in keys] == [401, 401]
    event = AuditEvent.objects.get(action="account.token.revoke_all")
    assert event.object_id == str(user.pk)
    assert len(event.before) == 2
    # A token made with the new password works.
    assert _me(_obtain(password=new_password)["token"]) == 200


@pytest.mark.django_db
def test_a_password_reset_revokes_every_token(client: Client) -> None:
    UserFactory(username="ana", email="ana@example.org")
    key = _obtain()["token"]
    client.post(reverse("password_reset"), {"email": "ana@example.org"})
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    new_password = "a fresh long passphrase 42"
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert _me(key) == 401


@pytest.mark.django_db
def test_a_password_set_by_staff_or_the_command_line_revokes_every_token() -> None:
    user = UserFactory(username="ana")
    key = _obtain()["token"]
    user.set_password("set by an administrator 9")
    user.save()
    assert _me(key) == 401


@pytest.mark.django_db
def test_the_tokens_page_lists_tokens_without_their_keys_and_revokes_one(client: Client) -> None:
    user = UserFactory(username="ana")
    client.force_login(user)
    made = client.post(reverse("core:api_token"), {"name": "nightly export"}).content.decode()
    key = re.search(r'<pre class="code" id="new-token">(\w+)</pre>', made)
    assert key is not None
    other = _obtain()["token"]
    assert _me(key.group(1)) == 200

    page = client.get(reverse("core:api_token")).content.decode()
    assert "nightly export" in page
    assert key.group(1) not in page
    assert other not in page
    assert key.group(1)[:8] in page
    assert "Last used" in page
    assert "Expires" in page

    revoke = re.search(r'action="(/account/api-tokens/\d+/revoke/)"', page)
    assert revoke is not None
    # The newest token is listed first: the one made by the endpoint.
    client.post(revoke.group(1))
    assert _me(other) == 401
    assert _me(key.group(1)) == 200
    assert AuditEvent.objects.filter(action="account.token.revoke", actor=user).count() == 1


@pytest.mark.django_db
def test_nobody_revokes_someone_elses_token() -> None:
    UserFactory(username="ana")
    key = _obtain()["token"]
    from core.models import ApiToken

    token = ApiToken.objects.get()
    mallory = Client()
    mallory.force_login(UserFactory(username="mallory"))
    response = mallory.post(reverse("core:api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert _me(key) == 200


@pytest.mark.django_db
def test_the_schema_documents_the_token_answer() -> None:
    client = Client()
    client.force_login(UserFactory(username="ana"))
    schema = client.get("/api/schema/", {"format": "json"}).json()
    answer = schema["paths"]["/api/auth/token/"]["post"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"token", "expires_at"}


@pytest.mark.django_db
def test_the_migration_carries_old_plain_text_tokens_over_as_digests(settings) -> None:
    """An upgraded site's scripts keep working, and no plain-text key stays in the database."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("core.migrations.0005_api_tokens")
    user = UserFactory(username="ana")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, "
            "created timestamp with time zone)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [old_key, user.pk, timezone.now()]
        )
    # The function reads only the editor's connection.
    migration.carry_over_drf_tokens(apps, SimpleNamespace(connection=connection))

    assert _me(old_key) == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone() == (0,)
