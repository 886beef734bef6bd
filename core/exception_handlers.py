"""How the API answers an exception a view did not catch (REST_FRAMEWORK["EXCEPTION_HANDLER"]).

- An ``ApplicationError`` (core.exceptions) is a refusal worded for the user: its status (400,
  or 409 for a state that refuses) and ``{"detail": message, **extra}``. Views therefore do not
  catch service errors one by one.
- A Django ``ValidationError`` (a model's ``full_clean``, a validator) is a refusal too: 400
  with ``{"detail": ...}``, and ``problems`` by field when it names fields.
- DRF's own exceptions, Http404 and PermissionDenied keep DRF's answers.
- Anything else is a programming error. Its text names code and data and never reaches the
  client: the answer is a 500 with a generic detail, the traceback is logged, and
  ``got_request_exception`` is sent as Django does (so error reporting, and the test client,
  still see the exception).

The messages were put into the request's language where they were raised (LocaleMiddleware
has activated it by then); lazy ones are rendered here, still inside the request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.http import Http404
from django.utils.log import log_response
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError
from core.jobs import QueueUnavailable


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"detail": str(exc.message), **exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, QueueUnavailable):
        return None  # core.middleware answers it with its 503, on the API as on a page
    response = drf_exception_handler(exc, context)
    if response is not None or isinstance(exc, APIException | Http404 | PermissionDenied):
        return response
    if settings.DEBUG and not getattr(settings, "OWN_ERROR_PAGES", False):
        return None  # Django's technical page, with the traceback, for the developer
    return _server_error(exc, context)


def validation_error_body(exc: DjangoValidationError) -> dict[str, Any]:
    """``detail`` is every message in one sentence; ``problems`` adds them by field."""
    body: dict[str, Any] = {"detail": " ".join(str(message) for message in exc.messages)}
    if hasattr(exc, "error_dict"):
        body["problems"] = {
            field: " ".join(str(message) for message in messages)
            for field, messages in exc.message_dict.items()
        }
    return body


def _server_error(exc: Exception, context: dict[str, Any]) -> Response:
    request = context.get("request")
    django_request = getattr(request, "_request", request)
    got_request_exception.send(sender=None, request=django_request)
    response = Response(
        {"detail": _("Something went wrong on our side. It has been logged; please try again.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
    log_response(
        "Internal Server Error: %s",
        getattr(django_request, "path", ""),
        response=response,
        request=django_request,
        exception=exc,
    )
    return response
