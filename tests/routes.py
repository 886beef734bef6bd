"""How the access test describes a route (see tests/core/test_access.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    name: str
    # "public": open to anyone; "user": any signed-in user, showing only their own things;
    # "project": belongs to world.project, so an outsider gets 404;
    # "owner": belongs to a user (a job of the lead), so anyone else unrelated gets 404.
    access: str
    kwargs: Callable[[Any], dict[str, Any]] | None = None
    method: str = "GET"
    api: bool = False
    # Roles in world.project that may use it (checked when given).
    allowed: frozenset[str] | None = None
    # False for a route that answers with something other than a page (a script).
    html: bool = True
    # The request needs a body that the access test does not send: an allowed role is answered
    # 400 (the body does not validate), never 403 or 404.
    body_required: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.name}"
