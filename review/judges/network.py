"""Where a judge may send a request: only to hosts the operator listed, at addresses checked once.

A lead chooses a judge's base URL, and the worker then sends prompts (and the operator's API
key) there. Without a check, a base URL of ``http://127.0.0.1:8000/`` or
``http://169.254.169.254/`` turns the worker into the lead's proxy into the server's own network.

So every request a judge makes goes through :class:`PinnedTransport`, which

- refuses a host that is not in ``JUDGE_ALLOWED_HOSTS`` (an empty list allows none);
- resolves the host once, refuses it when any address it resolves to is link-local, multicast,
  reserved or unspecified (always), loopback (unless ``JUDGE_ALLOW_LOOPBACK``) or private (unless
  ``JUDGE_ALLOW_PRIVATE_NETWORKS``);
- connects to the address it checked, not to a second lookup, so a DNS answer that changes
  between check and connection (rebinding) reaches nothing; TLS still verifies the certificate
  against the host name;
- sends only the headers a chat completion needs, with the judge's own key, and follows no
  redirect and no proxy from the environment.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx2
from django.conf import settings as django_settings
from django.utils.translation import gettext as _

from review.judges.endpoint import JudgeConfigError

# What a chat completion needs; everything else the client would add (organisation and project
# ids read from OPENAI_* variables, telemetry) stays on the server.
SENT_HEADERS = frozenset(
    {"host", "accept", "accept-encoding", "content-type", "content-length", "user-agent"}
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class JudgeHostRefused(JudgeConfigError):
    """The judge's base URL names a host, or resolves to an address, the operator did not allow."""


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def host_allowed(host: str, port: int, allowed: list[str]) -> bool:
    """Whether ``host:port`` matches an entry: ``host``, ``host:port`` or ``*.domain``."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        entry = entry.strip().lower()
        if not entry:
            continue
        name, _, entry_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and (not entry_port.isdigit() or int(entry_port) != port):
            continue
        name = name.strip("[]")
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return True
        elif host == name:
            return True
    return False


def base_url_problem(url: str) -> str | None:
    """Why the operator's settings refuse this base URL, or None; checks the list, not DNS."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("%(url)s is not an http(s) URL with a host") % {"url": repr(url)}
    try:
        port = parts.port or _default_port(parts.scheme)
    except ValueError:
        return _("%(url)s has an invalid port") % {"url": repr(url)}
    if not host_allowed(parts.hostname, port, list(django_settings.JUDGE_ALLOWED_HOSTS)):
        return _(
            "the host %(host)s is not one this server lets judges call; "
            "an operator lists those in JUDGE_ALLOWED_HOSTS"
        ) % {"host": parts.hostname}
    return None


def address_problem(address: Address) -> str | None:
    """Why a judge may not connect to this address, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if (
        address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    ):
        return _("a link-local, multicast or reserved address")
    if address.is_loopback:
        return None if django_settings.JUDGE_ALLOW_LOOPBACK else _("a loopback address")
    if not address.is_global:
        if django_settings.JUDGE_ALLOW_PRIVATE_NETWORKS:
            return None
        return _("a private address")
    return None


def resolve_checked(host: str, port: int) -> Address:
    """The address to connect to: the host is resolved once and every answer must pass."""
    try:
        literal: Address | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise JudgeHostRefused(
                _("the judge's host %(host)s does not resolve (%(error)s)")
                % {"host": host, "error": exc}
            ) from exc
        addresses = []
        for *_rest, sockaddr in found:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    for address in addresses:
        problem = address_problem(address)
        if problem:
            raise JudgeHostRefused(
                _(
                    "the judge's host %(host)s resolves to %(problem)s, which this server does "
                    "not let judges call"
                )
                % {"host": host, "problem": problem}
            )
    if not addresses:
        raise JudgeHostRefused(_("the judge's host %(host)s does not resolve") % {"host": host})
    return addresses[0]


class PinnedTransport(httpx2.HTTPTransport):
    """An HTTP transport that checks every request's host and connects to the checked address."""

    def __init__(self, *, api_key: str, **kwargs: Any) -> None:
        super().__init__(trust_env=False, **kwargs)
        self._api_key = api_key

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        host = url.host
        port = url.port or _default_port(url.scheme)
        problem = base_url_problem(str(url))
        if problem:
            raise JudgeHostRefused(_("Judge request refused: %(problem)s.") % {"problem": problem})
        address = resolve_checked(host, port)
        kept = {k: v for k, v in request.headers.items() if k.lower() in SENT_HEADERS}
        kept["host"] = request.headers.get("host", host)
        if self._api_key:
            kept["Authorization"] = f"Bearer {self._api_key}"
        request.headers = httpx2.Headers(kept)
        request.url = url.copy_with(host=str(address))
        # TLS is negotiated and verified for the name, not for the address connected to.
        request.extensions = {**request.extensions, "sni_hostname": host}
        return super().handle_request(request)


def judge_http_client(*, api_key: str, timeout_s: float) -> httpx2.Client:
    """The HTTP client a judge's OpenAI client sends through: pinned, no redirects, no proxy."""
    return httpx2.Client(
        transport=PinnedTransport(api_key=api_key),
        timeout=timeout_s,
        follow_redirects=False,
        trust_env=False,
    )
