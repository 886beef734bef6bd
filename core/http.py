from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle


class AuthedHttpRequest(HttpRequest):
    """A request that LoginRequiredMiddleware has let through: its user is signed in."""

    user: User


class AuthedRequest(Request):
    """A DRF request that passed IsAuthenticated."""

    user: User


def client_address(request: HttpRequest | Request) -> str:
    """The address of the client that sent ``request``, as far as it can be trusted.

    The one place where Rapport decides who a request comes from; every throttle counts per this
    address. It is DRF's own derivation, so the API's throttles and the login and password reset
    forms agree: with ``NUM_PROXIES`` = 0 (the default) the connection's address, and behind N
    proxies the Nth entry from the right of X-Forwarded-For, the one the outermost proxy of ours
    appended. Entries further left are written by the client and are never believed.
    """
    # get_ident reads only the headers and META, which a Django request has as well as DRF's.
    return BaseThrottle().get_ident(cast(Request, request)) or ""


def redirect_target(request: HttpRequest, *, fallback: str, field: str = "next") -> str:
    """Where to send the user after a form: the ``next`` they posted if it stays on this site.

    A target from the request is only a suggestion: another host, a scheme such as
    ``javascript:``, or ``https://`` lost to ``http://`` would make Rapport an open redirect.
    """
    target = request.POST.get(field) or request.GET.get(field) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
