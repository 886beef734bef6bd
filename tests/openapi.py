"""Every answer a test's client receives from /api/ is checked against the OpenAPI schema of the
code, as Zulip's `validate_against_openapi_schema` does, so the schema cannot drift from what
the API really sends.

The schema is built once per test process, exactly as /api/schema/ serves it. An answer whose
status code the operation does not declare, whose body lacks a required field, has a field of
the wrong type or one the schema forbids, fails the test at the request with `OpenAPIMismatch`.
A test whose answers are deliberately outside the schema says why with
``@pytest.mark.openapi_unchecked("reason")``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpResponse
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

# The schema and its viewer describe the API; they are not operations of it.
UNCHECKED_PATHS = ("/api/schema/", "/api/docs/")


class OpenAPIMismatch(AssertionError):
    """An API answer that the OpenAPI schema does not describe."""


class _AnsweredRequest(DjangoOpenAPIRequest):
    """Only the answer is checked: the request's body, already read by DRF, is not needed."""

    @property
    def body(self) -> bytes:
        return b""


@functools.cache
def schema_document() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


def _nullable_references(node: Any) -> Any:
    """drf-spectacular writes an object field that may be null as OpenAPI 3.0 allows,
    ``{"allOf": [{"$ref": ...}], "nullable": true}``; openapi-core checks the null against the
    referenced schema alone and refuses it. Spelled as "the object, or null", the same meaning
    reaches the validator."""
    if isinstance(node, list):
        return [_nullable_references(value) for value in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_references(value) for key, value in node.items()}
    if node.get("nullable") and len(node.get("allOf", ())) == 1:
        rest = {key: value for key, value in node.items() if key not in ("allOf", "nullable")}
        null = {"type": "object", "nullable": True, "enum": [None]}
        return {**rest, "anyOf": [node["allOf"][0], null]}
    return node


@functools.cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(_nullable_references(schema_document()))


def _reasons(error: BaseException) -> Iterator[str]:
    """The innermost explanations openapi-core keeps in an error's chain and schema_errors."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        for schema_error in getattr(error, "schema_errors", ()) or ():
            where = "/".join(str(part) for part in schema_error.absolute_path) or "(body)"
            yield f"{where}: {schema_error.message}"
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return


# How an undeclared method on a documented path may be answered: signed out, forbidden, not
# found (an outsider), or not allowed.
REFUSALS_OF_UNDECLARED_METHODS = frozenset({401, 403, 404, 405})


def response_check(response: HttpResponse) -> None:
    """Raise OpenAPIMismatch when the answer to an /api/ request is not what the schema says."""
    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith("/api/"):
        return
    if request.path.startswith(UNCHECKED_PATHS):
        return
    openapi_request = _AnsweredRequest(request)
    try:
        _openapi().validate_response(openapi_request, DjangoOpenAPIResponse(response))
    except PathNotFound:
        # A URL that matches no route: the 404 comes from the URL resolver, before any view.
        if response.status_code == 404 and request.resolver_match is None:
            return
        raise OpenAPIMismatch(
            f"{request.method} {request.path} answered {response.status_code}, "
            "but the OpenAPI schema has no such operation"
        ) from None
    except OperationNotFound:
        # A method the API does not offer on this path: refusing it is the only right answer
        # (tests/core/test_access.py asserts which), and the schema describes only operations.
        if response.status_code in REFUSALS_OF_UNDECLARED_METHODS:
            return
        raise OpenAPIMismatch(
            f"{request.method} {request.path} answered {response.status_code}, "
            "but the OpenAPI schema has no such operation on this path"
        ) from None
    except Exception as error:  # every openapi-core validation error
        reasons = list(_reasons(error)) or [str(error)]
        raise OpenAPIMismatch(
            f"{request.method} {request.path} answered {response.status_code}, which the "
            f"OpenAPI schema does not describe ({type(error).__name__}):\n  " + "\n  ".join(reasons)
        ) from None
