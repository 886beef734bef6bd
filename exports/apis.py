"""The exports API: trainers list and download approved exports; leads also build and approve.

Downloads stream (FileResponse, or a zip written as it is sent) and are audited like the
browser's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from core.models import Project, Role
from core.selectors import projects_for_user, user_is_lead_anywhere
from exports.forms import SpecificationForm
from exports.models import ExportSpecification, ExportVersion
from exports.selectors import (
    specification_get_for_user,
    specifications_managed_by,
    user_reads_exports,
    version_get_for_user,
    versions_for_user,
)
from exports.serializers import (
    ExportSpecificationCreateSerializer,
    ExportSpecificationSerializer,
    ExportToBucketRequestSerializer,
    ExportToBucketSerializer,
    ExportVersionDetailSerializer,
    ExportVersionSerializer,
)
from exports.services.building import export_version_approve, export_version_start
from exports.services.downloads import (
    archive_name,
    archive_stream,
    download_record,
    export_file_key,
    export_file_response,
)
from exports.services.pushes import export_version_to_bucket_start
from exports.services.specifications import specification_create

BINARY = OpenApiResponse(OpenApiTypes.BINARY, description="the file, streamed")


class ExportListApi(generics.ListAPIView[ExportVersion]):
    """Export versions the caller may see: approved ones, and every one of the exports they
    manage as a lead."""

    serializer_class = ExportVersionSerializer

    def get_queryset(self) -> QuerySet[ExportVersion]:
        user = self.request.user
        if not user_reads_exports(user=user):
            raise PermissionDenied
        return versions_for_user(user=user)


class ExportDetailApi(APIView):
    @extend_schema(responses=ExportVersionDetailSerializer)
    def get(self, request: AuthedRequest, version_id: int) -> Response:
        version, _manages = version_get_for_user(version_id=version_id, user=request.user)
        return Response(ExportVersionDetailSerializer(version).data)


def _downloadable(request: AuthedRequest, version_id: int) -> ExportVersion:
    version, _manages = version_get_for_user(version_id=version_id, user=request.user)
    if not version.is_downloadable:
        raise PermissionDenied
    return version


class ExportArchiveApi(APIView):
    @extend_schema(responses={(200, "application/zip"): BINARY})
    def get(self, request: AuthedRequest, version_id: int) -> StreamingHttpResponse:
        version = _downloadable(request, version_id)
        name = archive_name(version=version)
        download_record(version=version, user=request.user, what=name, via="api")
        response = StreamingHttpResponse(
            archive_stream(version=version), content_type="application/zip"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ExportFileApi(APIView):
    @extend_schema(
        responses={
            (200, "application/octet-stream"): BINARY,
            302: OpenApiResponse(
                description="EXPORT_DOWNLOAD=presigned: a short-lived URL of the bucket, in "
                "Location, issued after the access check and the audit event"
            ),
        }
    )
    def get(self, request: AuthedRequest, version_id: int, name: str) -> HttpResponseBase:
        version = _downloadable(request, version_id)
        key = export_file_key(version=version, name=name)
        download_record(version=version, user=request.user, what=name, via="api")
        return export_file_response(version=version, name=name, key=key)


class ExportApproveApi(APIView):
    @extend_schema(request=None, responses={200: ExportVersionSerializer, 409: None})
    def post(self, request: AuthedRequest, version_id: int) -> Response:
        version, _manages = version_get_for_user(
            version_id=version_id, user=request.user, manage=True
        )
        version = export_version_approve(version=version, user=request.user)
        return Response(ExportVersionSerializer(version).data)


class ExportToBucketApi(APIView):
    """Copy an approved version under a bucket prefix the operator allows (leads), as a job."""

    @extend_schema(
        request=ExportToBucketRequestSerializer,
        # 503: the background queue is unavailable; the job is kept as failed, to retry.
        responses={202: ExportToBucketSerializer, 400: None, 409: None, 503: None},
    )
    def post(self, request: AuthedRequest, version_id: int) -> Response:
        version, _manages = version_get_for_user(
            version_id=version_id, user=request.user, manage=True
        )
        form = ExportToBucketRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        uri, job = export_version_to_bucket_start(
            version=version, user=request.user, location=form.validated_data["location"]
        )
        job.refresh_from_db()
        body = ExportToBucketSerializer({"location": uri, "job": job}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


# Form fields that the API names after the model's fields.
FORM_FIELD_NAMES = {
    "min_scores_text": "min_scores",
    "min_agreement_text": "min_agreement",
    "source_formats_text": "source_formats",
}


def _bars_text(bars: dict[str, Any]) -> str:
    # 2, not the serializer's 2.000, as the form would store it.
    return "\n".join(f"{code} = {format(value.normalize(), 'f')}" for code, value in bars.items())


def _form_data(data: dict[str, Any], led: QuerySet[Project]) -> dict[str, Any]:
    """The API's fields as the specification form's (the form does every check)."""
    by_slug = dict(led.values_list("slug", "pk"))
    unknown = [slug for slug in data["projects"] if slug not in by_slug]
    if unknown:
        raise ValidationError(
            {
                "projects": [
                    _("You do not lead a project %(slugs)s.") % {"slugs": ", ".join(unknown)}
                ]
            }
        )

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "name": data["name"],
        "projects": [by_slug[slug] for slug in data["projects"]],
        "kind": data["kind"],
        "min_total": text(data.get("min_total")),
        "min_reviewers": text(data["min_reviewers"]),
        "min_scores_text": _bars_text(data.get("min_scores") or {}),
        "min_agreement_text": _bars_text(data.get("min_agreement") or {}),
        "languages": list(data.get("languages") or []),
        "source_formats_text": ", ".join(data.get("source_formats") or []),
        "dpo_sources": list(data.get("dpo_sources") or []),
        "tie_policy": data["tie_policy"],
        "margin_threshold": text(data["margin_threshold"]),
        "sft_mode": data["sft_mode"],
        "sft_start": data["sft_start"],
        "system_prompt_mode": data["system_prompt_mode"],
        "system_prompt_text": data["system_prompt_text"],
        "train_ratio": text(data["train_ratio"]),
        "validation_ratio": text(data["validation_ratio"]),
        "test_ratio": text(data["test_ratio"]),
        "seed": text(data["seed"]),
        "formats": list(data["formats"]),
        "judge": text(data.get("judge")),
        "judge_max_uncertainty": text(data.get("judge_max_uncertainty")),
    }


class ExportSpecificationListApi(generics.ListAPIView[ExportSpecification]):
    """Specifications the caller manages (lead of every one of their projects); a lead also
    creates one here, from projects they lead."""

    serializer_class = ExportSpecificationSerializer

    def get_queryset(self) -> QuerySet[ExportSpecification]:
        user = self.request.user
        if not user_is_lead_anywhere(user=user):  # type: ignore[arg-type]
            raise PermissionDenied
        return specifications_managed_by(user=user)

    @extend_schema(
        request=ExportSpecificationCreateSerializer,
        responses={
            201: ExportSpecificationSerializer,
            400: OpenApiResponse(description="field -> list of messages"),
            403: None,
        },
    )
    def post(self, request: AuthedRequest) -> Response:
        led = projects_for_user(user=request.user, roles=[Role.LEAD])
        if not led.exists():
            raise PermissionDenied
        incoming = ExportSpecificationCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        form = SpecificationForm(_form_data(dict(incoming.validated_data), led), led=led)
        if not form.is_valid():
            errors = {
                FORM_FIELD_NAMES.get(name, name): [str(message) for message in messages]
                for name, messages in form.errors.items()
            }
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        specification = specification_create(form=form, user=request.user)
        return Response(
            ExportSpecificationSerializer(specification).data, status=status.HTTP_201_CREATED
        )


class ExportBuildApi(APIView):
    @extend_schema(request=None, responses={202: ExportVersionSerializer, 409: None, 503: None})
    def post(self, request: AuthedRequest, specification_id: int) -> Response:
        specification = specification_get_for_user(
            specification_id=specification_id, user=request.user
        )
        version = export_version_start(specification=specification, user=request.user)
        return Response(ExportVersionSerializer(version).data, status=status.HTTP_202_ACCEPTED)
