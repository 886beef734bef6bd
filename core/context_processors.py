from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from core.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The sections of the top bar this user may open.

    Hiding a link is a courtesy; every view checks access on its own. A section whose app has
    no page yet is left out rather than shown as a dead link. Both are worked out only when a
    template uses them: an htmx fragment (the draft autosave's status line) shows no top bar
    and should not pay a query for it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = SimpleLazyObject(lambda: user_roles(user=user))
    items = SimpleLazyObject(lambda: _items(request, user, roles))
    return {"nav_items": items, "user_roles": roles}


def _items(request: HttpRequest, user: Any, roles: Any) -> list[dict[str, Any]]:
    held = set(roles)
    items = []
    for label, url_name, allowed in settings.NAVIGATION:
        if allowed is not None and not (held & allowed) and not user.is_staff:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return items


def text_limits(request: HttpRequest) -> dict[str, Any]:
    """The free-text limits, for the ``maxlength`` of hand-written textareas."""
    from core.limits import TEXT_MAX_CHARS, rewrite_max_chars

    return {"text_max_chars": TEXT_MAX_CHARS, "rewrite_max_chars": rewrite_max_chars()}
