"""Answers for failures that any view may meet, translated once rather than in every view:
the background queue being down, uploads over the file-count limits, and (in the demo) the app's
own error pages while DEBUG is on."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.jobs import QueueUnavailable
from core.uploads import StorageUploadHandler, route_streams_uploads

logger = logging.getLogger(__name__)


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


class UploadLimitsMiddleware:
    """Reads a multipart body before any view or the CSRF check does, so that a request over
    DATA_UPLOAD_MAX_NUMBER_FILES (or _FIELDS) gets a page or an API error that says what to do:
    upload the files as one archive. Django raises these limits while parsing, which happens in
    the CSRF middleware for a form and in DRF's parser for the API; neither lets a view answer.
    The body is parsed once either way: Django keeps the parsed form on the request. On the
    import routes, files are parsed into the uploads storage as they arrive (core.uploads), and
    what no batch took is deleted once the view has answered.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.content_type != "multipart/form-data":
            return self.get_response(request)
        stored: StorageUploadHandler | None = None
        if route_streams_uploads(request):
            # Large files go to the uploads storage as they arrive (core.uploads).
            stored = StorageUploadHandler(request)
            request.upload_handlers = [MemoryFileUploadHandler(request), stored]
        try:
            return self._parsed(request)
        finally:
            if stored is not None:
                stored.forget()

    def _parsed(self, request: HttpRequest) -> HttpResponse:
        try:
            request.POST  # noqa: B018 - parsing is the point
        except (TooManyFilesSent, TooManyFieldsSent):
            return self._refused(request)
        except MultiPartParserError:
            # A page gets Django's own 400; an API client gets JSON it can read.
            if not request.path.startswith("/api/"):
                raise
            return JsonResponse(
                {"detail": _("The request body is not a valid multipart form.")}, status=400
            )
        return self.get_response(request)

    def _refused(self, request: HttpRequest) -> HttpResponse:
        message = _(
            "This upload has more than %(limit)d files. Put the files in one .zip or .tar.gz "
            "archive and upload that archive instead."
        ) % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "upload_refused.html", {"message": message}, status=400)


class OwnErrorPagesMiddleware:
    """With DEBUG and OWN_ERROR_PAGES both on (as `make demo` runs), answer with the app's own
    404 and 500 pages instead of Django's technical ones, which list every URL pattern, the
    settings and a traceback to whoever is looking. Off, it changes nothing; with DEBUG off
    Django shows the app's pages anyway.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @staticmethod
    def _active() -> bool:
        return bool(settings.DEBUG and getattr(settings, "OWN_ERROR_PAGES", False))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A URL that matches no route is answered before any view runs, so only its answer can
        # be seen here: Django's technical 404 is plain HTML without the app's page marker.
        if (
            self._active()
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "own_error_page", False)
        ):
            return self._not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not self._active():
            return None
        if isinstance(exception, Http404):
            return self._not_found(request)
        if isinstance(exception, QueueUnavailable | PermissionDenied | SuspiciousOperation):
            return None  # answered by the middleware above, or by the app's 403 and 400 pages
        logger.error("Error on %s", request.path, exc_info=exception)
        return render(request, "500.html", status=500)

    @staticmethod
    def _not_found(request: HttpRequest) -> HttpResponse:
        from core.views import not_found

        response = not_found(request, Http404())
        response.own_error_page = True  # type: ignore[attr-defined]
        return response
