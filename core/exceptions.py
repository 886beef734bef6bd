"""The one family of errors a service raises for its caller to show: ApplicationError.

A service refuses what the user asked for (a slot that is no longer theirs, a rubric file with
problems, an export that would be empty) by raising a subclass of ApplicationError with a
message already in the user's words and language. A page catches ApplicationError and shows
the message; the API does not catch it at all: ``core.exception_handlers`` answers it with its
``status_code`` and ``{"detail": message, **extra}``.

Anything else a service raises (a bare ValueError, a TypeError) is a programming error: it
reaches nobody as text, only as a 500 and a logged traceback. That is why no subclass also
derives from ValueError: code that catches ValueError to parse a number must not swallow a
refusal, and a page that catches a refusal must not swallow a bug.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise


class ApplicationError(Exception):
    """Something the user asked for cannot be done; ``message`` says why, for them.

    ``message`` is built with gettext (or gettext_lazy) where the error is raised, so it is in
    the language of the request or job that raised it. ``extra`` holds what an API answer adds
    beside ``detail`` (a form's ``problems`` by field, say); it must be JSON-serialisable.
    ``status_code`` is the HTTP status the API answers with: 400 unless the subclass says that
    the request was fine but the object's state refuses it (409).
    """

    status_code: ClassVar[int] = 400

    def __init__(self, message: str | Promise = "", *, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.extra: dict[str, Any] = extra or {}

    def __str__(self) -> str:
        return str(self.message)


class ConflictError(ApplicationError):
    """The request is well formed, but the object's present state refuses it (HTTP 409)."""

    status_code: ClassVar[int] = 409
