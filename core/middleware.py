"""Answers for failures that any view may meet, translated once rather than in every view."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.jobs import QueueUnavailable


class QueueUnavailableMiddleware:
    """The broker is down: say so with a 503 (JSON on the API) instead of a generic 500.

    The job that could not be queued is already marked failed with the reason (core.jobs), so
    its page offers a retry once the queue is back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, QueueUnavailable):
            return None
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": exception.message}, status=503)
        else:
            response = render(
                request,
                "core/queue_unavailable.html",
                {"message": exception.message, "job": exception.job},
                status=503,
            )
        response["Retry-After"] = "60"
        return response
