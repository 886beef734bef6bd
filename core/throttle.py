"""Slows down password guessing on the browser login form.

Failed attempts are counted per client address and per user name in the cache; past the limit
the form refuses further tries until the window has passed. (The API's token endpoint uses DRF's
own throttle with the "auth" scope.)
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _keys(request: HttpRequest, username: str) -> list[str]:
    address = request.META.get("REMOTE_ADDR", "")
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:addr:{address}", f"login-fail:user:{name}"]


def login_blocked(request: HttpRequest, username: str) -> bool:
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    return any((cache.get(key) or 0) >= limit for key in _keys(request, username))


def login_failed(request: HttpRequest, username: str) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW
    for key in _keys(request, username):
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window)


def login_succeeded(request: HttpRequest, username: str) -> None:
    cache.delete_many(_keys(request, username)[1:])
