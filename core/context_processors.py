from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from core.selectors import user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The sections of the top bar this user may open.

    Hiding a link is a courtesy; every view checks access on its own. A section whose app has
    no page yet is left out rather than shown as a dead link.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = user_roles(user=user)
    items = []
    for label, url_name, allowed in settings.NAVIGATION:
        if allowed is not None and not (roles & allowed) and not user.is_staff:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    return {"nav_items": items, "user_roles": roles}
