"""A judge reaches only the hosts and addresses the operator allowed, and echoes nothing back.

A lead chooses a judge's base URL. These tests point judges at a real HTTP listener on loopback
(standing in for an internal service) and check what reaches it, and what a lead reads back.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest
from django.urls import reverse

from core.models import Membership, Role
from review.judges import judge_call, judge_client
from review.judges.network import address_problem
from review.models import JudgeConfig
from review.services.judging import JudgeRunError, judge_run_start
from tests.conftest import client_for
from tests.factories import ProjectFactory, UserFactory
from tests.review.judge_fixtures import judge_config, judged_project
from tests.review.judge_material import score_request
from tests.review.judge_server import (  # noqa: F401  (fixtures)
    Fail,
    judge_key_fixture,
    judge_server_fixture,
    settings_for,
)

pytestmark = pytest.mark.usefixtures("judge_key")


def _call(server, **overrides):  # type: ignore[no-untyped-def]
    judge = settings_for(server, max_retries=0, **overrides)
    return judge_call(client=judge_client(judge), settings=judge, request=score_request())


@pytest.mark.django_db
def test_a_host_the_operator_did_not_list_is_refused_on_the_form(judge_server, settings):
    settings.JUDGE_ALLOWED_HOSTS = ["api.example.org"]
    project = ProjectFactory(slug="clinic")
    lead = UserFactory()
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    response = client_for(lead).post(
        reverse("review:judge_create", args=["clinic"]),
        {"name": "probe", "base_url": "http://127.0.0.1:8000/api", "model": "m"},
    )

    assert response.status_code == 200
    assert "does not let judges call 127.0.0.1" in response.content.decode()
    assert not JudgeConfig.objects.exists()


@pytest.mark.django_db
def test_a_saved_judge_whose_host_is_no_longer_allowed_sends_nothing(judge_server, settings):
    project = ProjectFactory()
    lead = UserFactory()
    judged_project(project, sessions=1, pairs=0)
    config = judge_config(project, judge_server)
    settings.JUDGE_ALLOWED_HOSTS = []

    with pytest.raises(JudgeRunError, match="JUDGE_ALLOWED_HOSTS"):
        judge_run_start(config=config, user=lead)
    assert judge_server.requests == []


def test_a_listed_loopback_host_needs_the_operators_loopback_switch(judge_server, settings):
    settings.JUDGE_ALLOW_LOOPBACK = False

    answer = _call(judge_server)

    assert answer.status == "error"
    assert "loopback" in answer.error
    assert judge_server.requests == []


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0"])  # noqa: S104
def test_link_local_multicast_and_unspecified_addresses_are_refused_whatever_the_settings(
    address, settings
):
    settings.JUDGE_ALLOW_LOOPBACK = True
    settings.JUDGE_ALLOW_PRIVATE_NETWORKS = True
    assert address_problem(ipaddress.ip_address(address)) is not None


def test_a_private_address_needs_the_private_network_switch(settings):
    settings.JUDGE_ALLOW_PRIVATE_NETWORKS = False
    assert address_problem(ipaddress.ip_address("10.1.2.3")) == "a private address"
    settings.JUDGE_ALLOW_PRIVATE_NETWORKS = True
    assert address_problem(ipaddress.ip_address("10.1.2.3")) is None


def test_the_connection_goes_to_the_address_that_was_checked(judge_server, settings, monkeypatch):
    """DNS rebinding: the first answer passes the check, a later one points elsewhere."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def rebinding(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host != "judge.test":
            return real(host, port, *args, **kwargs)
        looked_up.append(host)
        target = "127.0.0.1" if len(looked_up) == 1 else "169.254.169.254"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (target, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    settings.JUDGE_ALLOWED_HOSTS = ["judge.test"]
    port = judge_server.url.split(":")[2].split("/")[0]

    answer = _call(judge_server, base_url=f"http://judge.test:{port}/v1", timeout_s=2.0)

    assert answer.status == "ok", answer.error
    assert looked_up == ["judge.test"]
    assert judge_server.requests[0].headers.get("host") == f"judge.test:{port}"


def test_an_error_summary_never_carries_the_servers_words(judge_server):
    judge_server.script(Fail(404, message="<html>internal admin console</html>"))

    answer = _call(judge_server)

    assert answer.status == "error"
    assert answer.error.startswith("HTTP 404 Not Found")
    assert "internal admin console" not in answer.error


@pytest.mark.django_db
def test_a_leads_judge_page_shows_the_error_not_the_body_staff_see_both(judge_server):
    from review.models import JudgeRun
    from review.services.judging import judge_run_execute

    project = ProjectFactory(slug="clinic")
    judged_project(project, sessions=1, pairs=0)
    lead, staff = UserFactory(), UserFactory(is_staff=True)
    for user in (lead, staff):
        Membership.objects.create(project=project, user=user, role=Role.LEAD)
    config = judge_config(project, judge_server, retries=0)
    judge_server.script(Fail(404, message="internal admin console"), marker=None)
    judge_run_execute(run=JudgeRun.objects.create(config=config))
    url = reverse("review:judge_detail", args=["clinic", config.pk])

    seen_by_lead = client_for(lead).get(url).content.decode()
    seen_by_staff = client_for(staff).get(url).content.decode()

    assert "HTTP 404 Not Found" in seen_by_lead
    assert "internal admin console" not in seen_by_lead
    assert "internal admin console" in seen_by_staff
