"""The dialogues API: start an import, follow its batch, list and read sessions (leads only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from core.models import Role
from core.selectors import project_get_for_user
from core.uploads import streams_uploads
from dialogues import selectors
from dialogues.forms import SessionFilterForm
from dialogues.models import ImportBatch, Session
from dialogues.serializers import (
    BucketImportRequestSerializer,
    ImportBatchDetailSerializer,
    ImportBatchSerializer,
    ImportRequestSerializer,
    ImportStartedSerializer,
    SessionDetailSerializer,
    SessionSerializer,
)
from dialogues.services.bucket_imports import import_batch_create_from_bucket
from dialogues.services.imports import (
    Upload,
    import_batch_create,
    import_batch_start,
)

SESSION_FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="words in a turn, the topic or the id"),
    OpenApiParameter("source", OpenApiTypes.STR, description="source format"),
    OpenApiParameter("language", OpenApiTypes.STR, enum=["en", "zh"]),
    OpenApiParameter("topic", OpenApiTypes.STR),
    OpenApiParameter("technique", OpenApiTypes.STR, description="CBT technique"),
    OpenApiParameter(
        "label", OpenApiTypes.STR, description="a session label, such as strategy:Question"
    ),
    OpenApiParameter("flags", OpenApiTypes.STR, enum=["open", "any", "none"]),
    OpenApiParameter("batch", OpenApiTypes.INT),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE),
]


def _import_started(request: AuthedRequest, create: Callable[[], ImportBatch]) -> Response:
    """Make the batch and queue its job: a 202 (a refused request is the handler's 400).

    Uploads and bucket imports differ only in how the batch is made; what the caller is
    answered is one rule.
    """
    batch = create()
    job = import_batch_start(batch=batch, user=request.user)
    batch.refresh_from_db()
    job.refresh_from_db()
    body = ImportStartedSerializer({"batch": batch, "job": job}).data
    return Response(body, status=status.HTTP_202_ACCEPTED)


def _import_request_data(request: Request) -> dict[str, Any]:
    """The fields of an import request, each file once.

    ``request.data.copy()`` would deep-copy the uploads with it, and an upload over
    FILE_UPLOAD_MAX_MEMORY_SIZE is an open temporary file, which cannot be copied. A request
    with no body, or a body that is not a form, has no uploads; leaving "files" out then makes
    the serializer name it as the missing field.
    """
    fields = request.data if isinstance(request.data, Mapping) else {}
    data: dict[str, Any] = {key: fields[key] for key in ("format", "skip_invalid") if key in fields}
    files = request.FILES.getlist("files")
    if files:
        data["files"] = files
    return data


@streams_uploads
class ImportListApi(generics.ListAPIView[ImportBatch]):
    """The project's import batches (GET), or start an import of uploaded files (POST)."""

    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ImportBatch]:
        project, _membership = project_get_for_user(
            slug=self.kwargs["slug"],
            user=self.request.user,  # type: ignore[arg-type]
            roles=[Role.LEAD],
        )
        return selectors.batches_for_project(project=project)

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        # 503: the background queue is unavailable; the job is kept as failed, to retry.
        responses={202: ImportStartedSerializer, 400: None, 503: None},
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
        form = ImportRequestSerializer(data=_import_request_data(request))
        form.is_valid(raise_exception=True)
        return _import_started(
            request,
            lambda: import_batch_create(
                project=project,
                user=request.user,
                uploads=[Upload(f.name or "upload", f) for f in form.validated_data["files"]],
                format_name=form.validated_data["format"],
                skip_invalid=form.validated_data["skip_invalid"],
            ),
        )


class ImportFromBucketApi(APIView):
    """Start an import of the files under a bucket prefix the operator allows."""

    @extend_schema(
        request=BucketImportRequestSerializer,
        responses={202: ImportStartedSerializer, 400: None, 503: None},
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
        form = BucketImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return _import_started(
            request,
            lambda: import_batch_create_from_bucket(
                project=project,
                user=request.user,
                location=form.validated_data["location"],
                format_name=form.validated_data["format"],
                skip_invalid=form.validated_data["skip_invalid"],
            ),
        )


class ImportDetailApi(APIView):
    """One batch with its counts, error report and duplicates."""

    @extend_schema(responses=ImportBatchDetailSerializer)
    def get(self, request: AuthedRequest, batch_id: int) -> Response:
        batch = selectors.batch_get_for_user(batch_id=batch_id, user=request.user)
        return Response(ImportBatchDetailSerializer(batch).data)


class SessionPagination(PageNumberPagination):
    """Pages of sessions, saying whether the search index is still being built."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["search_index_building"] = {
            "type": "boolean",
            "description": (
                "True while an import's sessions still wait for their search documents. "
                "A search then reads those sessions' turns directly: the results are complete, "
                "only slower."
            ),
        }
        paginated["required"] = [*paginated.get("required", []), "search_index_building"]
        return paginated


class SessionListApi(generics.ListAPIView[Session]):
    """The project's sessions, filtered like the session list page.

    ``search_index_building`` says, as the page does, that sessions imported moments ago have
    no search document yet; they are searched all the same.
    """

    serializer_class = SessionSerializer
    pagination_class = SessionPagination

    def get_queryset(self) -> QuerySet[Session]:
        request: Request = self.request
        project, _membership = project_get_for_user(
            slug=self.kwargs["slug"],
            user=request.user,  # type: ignore[arg-type]
            roles=[Role.LEAD],
        )
        form = SessionFilterForm(
            request.query_params or None,
            choices=selectors.session_filter_choices(project=project),
        )
        self.search_building = selectors.search_pending(project=project)
        return selectors.session_list(project=project, filters=form.filters())

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["search_index_building"] = self.search_building
        return response

    @extend_schema(parameters=SESSION_FILTERS)
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class SessionDetailApi(APIView):
    """A session with its turns, candidate responses, source ratings and preferences, and flags."""

    @extend_schema(responses=SessionDetailSerializer)
    def get(self, request: AuthedRequest, session_id: int) -> Response:
        session = selectors.session_get_for_user(session_id=session_id, user=request.user)
        return Response(SessionDetailSerializer(session).data)
