"""Clearing and reopening screening flags: a lead's form in each row of a session's flag list.

With htmx the response is the flag's row, swapped in place; without JavaScript the form posts
normally and the session page comes back with a message.
"""

from __future__ import annotations

from typing import Protocol

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import AuthedHttpRequest
from dialogues.models import Flag
from dialogues.selectors import flag_get_for_user
from dialogues.services.flags import FlagError, flag_clear, flag_reopen


def _respond(request: AuthedHttpRequest, *, flag: Flag, error: str, done: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        # Fetched again so the row shows who cleared it, with the turn it points at.
        fresh = flag_get_for_user(flag_id=flag.pk, user=request.user)
        return render(
            request,
            "dialogues/_flags.html#flag-row",
            {"flag": fresh, "can_clear_flags": True, "flag_error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect(reverse("dialogues:session_detail", args=[flag.session_id]) + "#session-flags")


class _FlagChange(Protocol):
    def __call__(self, *, flag: Flag, user: User, reason: str) -> object: ...


def _change(
    request: AuthedHttpRequest, *, flag_id: int, change: _FlagChange, done: str
) -> HttpResponse:
    """Clearing and reopening differ only in the service they call and the word of success."""
    flag = flag_get_for_user(flag_id=flag_id, user=request.user)
    error = ""
    try:
        change(flag=flag, user=request.user, reason=request.POST.get("reason", ""))
    except FlagError as problem:
        error = str(problem)
    return _respond(request, flag=flag, error=error, done=done)


@require_POST
def flag_clear_view(request: AuthedHttpRequest, flag_id: int) -> HttpResponse:
    return _change(request, flag_id=flag_id, change=flag_clear, done=_("The flag is cleared."))


@require_POST
def flag_reopen_view(request: AuthedHttpRequest, flag_id: int) -> HttpResponse:
    return _change(request, flag_id=flag_id, change=flag_reopen, done=_("The flag is open again."))
