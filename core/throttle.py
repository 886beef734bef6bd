"""Slows down password guessing at every sign-in entrance, and password reset mail.

There are three ways to trade a password for access: the sign-in form, the Django admin's sign-in
form and the API's token endpoint (``POST /api/auth/token/``). All three count failures in the
same counters and refuse while any of them is at its ceiling, so a lockout earned at one entrance
holds at the others, and a refusal comes before the password is checked: it says nothing about
whether the password was right. (The token endpoint also keeps DRF's per-address rate, the
"auth" scope, on top.)

Counters live in the cache (share it between web processes: CACHE_URL) and expire
LOGIN_THROTTLE_WINDOW seconds after their first hit; that is how long a lockout lasts. The client
address is :func:`core.http.client_address`, the same trusted-proxy derivation as the API's
throttles. Reaching a ceiling is written to the audit log (``account.locked`` and
``account.locked_for_client`` name the account; ``address.locked`` names no one).

Failed sign-ins are counted three ways, each with its own ceiling:

- per client address *and* user name, ``LOGIN_THROTTLE_ATTEMPTS``: one client guessing one
  account is stopped after a few tries;
- per user name, ``USER_FACTOR`` times that, from any address: the account's lockout. A
  guesser spreading tries over several addresses is still stopped, at every entrance, while a
  single attacker (who hits the first ceiling long before) cannot lock the account's owner out
  from their own address;
- per client address, ``ADDRESS_FACTOR`` times that, over any user names: one client trying one
  password on many accounts is stopped too.

A counter per address alone would be wrong at a low ceiling: everyone behind one proxy or office
NAT shares an address, so a few typos (or one attacker) under *any* names would lock every user
out. That is why the address ceiling is much higher than the others, and why a correct password
for a user whose own counters are clean still signs in while the address counter is below it.

A correct sign-in clears only its own (address, user name) counter: the user-name counter also
holds other clients' failures, and clearing the address counter would let a sprayer with one valid
account of their own reset it between rounds.
"""

from __future__ import annotations

import hashlib
from typing import Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest

from core.audit import AuditAction, audit_record
from core.http import client_address

Entrance = Literal["web", "admin", "api"]

# The audit actions of the counters, in the order _login_counters gives them.
LOCKOUT_ACTIONS = (
    AuditAction.ACCOUNT_LOCKED_FOR_CLIENT,
    AuditAction.ACCOUNT_LOCKED,
    AuditAction.ADDRESS_LOCKED,
)
LOCKOUT_SCOPES = ("client", "account", "address")

# Ceilings, as multiples of LOGIN_THROTTLE_ATTEMPTS (see the module's docstring).
USER_FACTOR = 3
ADDRESS_FACTOR = 10


def _digest(value: str) -> str:
    # User names and e-mail addresses are kept out of cache keys (and the cache's memory) as such.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _hit(key: str, window: int) -> int:
    """Add one to a counter that expires ``window`` seconds after its first hit; its new count."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


# --- Sign-in ----------------------------------------------------------------------------------


def _login_counters(request: HttpRequest, username: str) -> list[tuple[str, int]]:
    """(cache key, ceiling) of each counter that a sign-in as ``username`` is checked against."""
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    address = client_address(request)
    name = _digest(username)
    return [
        (f"login-fail:pair:{_digest(address)}:{name}", limit),
        (f"login-fail:user:{name}", limit * USER_FACTOR),
        (f"login-fail:addr:{_digest(address)}", limit * ADDRESS_FACTOR),
    ]


def login_blocked(request: HttpRequest, username: str) -> bool:
    return any(_count(key) >= ceiling for key, ceiling in _login_counters(request, username))


def login_failed(request: HttpRequest, username: str, *, entrance: Entrance) -> None:
    """Count a failed sign-in, and audit each ceiling that this failure reaches.

    Only the failure that reaches a ceiling is recorded (the counter's new value equals the
    ceiling, which exactly one failure sees even when several processes count at once), so a
    guesser who keeps going cannot flood the log.
    """
    counters = _login_counters(request, username)
    reached = [
        index
        for index, (key, ceiling) in enumerate(counters)
        if _hit(key, settings.LOGIN_THROTTLE_WINDOW) == ceiling
    ]
    if not reached:
        return
    user_model = get_user_model()
    user = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()
    for index in reached:
        scope = LOCKOUT_SCOPES[index]
        audit_record(
            actor=None,
            action=LOCKOUT_ACTIONS[index],
            obj=user if scope != "address" else None,
            after={
                "entrance": entrance,
                "scope": scope,
                "address": client_address(request),
                "failures": counters[index][1],
                "minutes": max(1, settings.LOGIN_THROTTLE_WINDOW // 60),
            },
        )


def login_succeeded(request: HttpRequest, username: str) -> None:
    pair_key, _ceiling = _login_counters(request, username)[0]
    cache.delete(pair_key)


# --- Password reset ---------------------------------------------------------------------------


def _reset_keys(request: HttpRequest, email: str) -> list[str]:
    return [
        f"password-reset:addr:{_digest(client_address(request))}",
        f"password-reset:email:{_digest(email)}",
    ]


def password_reset_blocked(request: HttpRequest, email: str) -> bool:
    """True once this client, or this e-mail address, has asked too often in the window.

    Every request counts, whether or not an account has the address, so the throttle says
    nothing about which addresses exist.
    """
    limit = settings.PASSWORD_RESET_THROTTLE_ATTEMPTS
    return any(_count(key) >= limit for key in _reset_keys(request, email))


def password_reset_requested(request: HttpRequest, email: str) -> None:
    for key in _reset_keys(request, email):
        _hit(key, settings.PASSWORD_RESET_THROTTLE_WINDOW)
