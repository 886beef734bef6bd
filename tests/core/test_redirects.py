"""Every place that takes a redirect target from a request stays on this site."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse

from core.http import redirect_target
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

OFF_SITE = ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "\\\\evil.example"]


@pytest.fixture(autouse=True)
def _fresh_throttle():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_helper_keeps_only_targets_on_this_site(target):
    request = RequestFactory().post("/x/", {"next": target})
    assert redirect_target(request, fallback="/home/") == "/home/"


def test_the_helper_keeps_a_path_of_this_site_and_refuses_http_on_https():
    factory = RequestFactory()
    assert redirect_target(factory.post("/x/", {"next": "/jobs/?a=1"}), fallback="/") == (
        "/jobs/?a=1"
    )
    secure = factory.post("/x/", {"next": "http://testserver/jobs/"}, secure=True)
    assert redirect_target(secure, fallback="/") == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_sends_the_user_off_the_site(target):
    UserFactory(username="ana")
    response = Client().post(
        reverse("login"), {"username": "ana", "password": TEST_PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert not response["Location"].startswith("javascript")


@pytest.mark.parametrize("target", OFF_SITE)
def test_switching_language_never_sends_the_user_off_the_site(target):
    response = Client().post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert not response["Location"].startswith("javascript")
