"""The refusals every API operation can answer, declared once for the whole schema.

A client (or a conformance checker) reading /api/schema/ must find every status code the
server can send. The refusals follow from how every view is built rather than from any one
view, so they are added here instead of in each `extend_schema`:

- 401: the token or session is missing or wrong (every view authenticates);
- 403: the caller's role lacks the right, or a session-signed form lacks its CSRF token;
- 404: an object outside the caller's projects (architecture.md), or a page past a list's end;
- 400 and 415: a body that does not validate, does not parse, or has another media type;
- 429: a throttled view (the token endpoint) refuses further tries for a while;
- 500: a fault of the server, never with its text (core.exception_handlers).

A refusal of a service (core.exceptions.ApplicationError) is answered as
``{"detail": message, ...}`` with 400, or 409 where the object's state refuses it; a view that
adds fields beside ``detail`` (``problems``) declares its own body for that code.

A code a view already declares without a body (``409: None``) gets the error body too.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

BODY_METHODS = {"POST", "PUT", "PATCH"}

DESCRIPTIONS = {
    "400": "The request does not parse or does not validate: field names with their problems, "
    "or a detail.",
    "401": "No valid token or session.",
    "403": "The caller's role does not allow this, or a session-signed request lacks its CSRF "
    "token.",
    "404": "No such object among the caller's projects, or no such page of a list.",
    "409": "The object is not in a state that allows this.",
    "415": "The body's media type is not one this operation reads.",
    "429": "Too many tries; the Retry-After header says when to try again.",
    "500": "A fault on the server's side; it is logged, and the answer does not describe it.",
    "503": "The background queue is unavailable; the job is kept as failed, to retry.",
}


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")


# Validation errors are keyed by field name (or "detail", or "non_field_errors"), each with a
# list of problems or, for a nested field, an object of its own.
VALIDATION_ERROR: dict[str, Any] = {"type": "object", "additionalProperties": True}


class RapportAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses: dict[str, Any] = operation["responses"]
        for code in self._refusal_codes(operation):
            declared = responses.get(code)
            if declared is not None and declared.get("content"):
                continue
            description = DESCRIPTIONS.get(code, "")
            own = (declared or {}).get("description")
            if own and own != "No response body":
                description = own
            body = VALIDATION_ERROR if code == "400" else ErrorSerializer
            responses[code] = self._get_response_for_code(
                OpenApiResponse(response=body, description=description), code
            )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _refusal_codes(self, operation: dict[str, Any]) -> set[str]:
        codes = {"401", "403", "500"} | {
            code for code in operation["responses"] if code.startswith(("4", "5"))
        }
        parameters = operation.get("parameters", [])
        if "{" in self.path or any(p["name"] == "page" for p in parameters):
            codes.add("404")
        if self.method in BODY_METHODS and "requestBody" in operation:
            codes |= {"400", "415"}
        if self.view.get_throttles():
            codes.add("429")
        return codes
