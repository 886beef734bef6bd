"""The exports API: trainers list and download approved exports; leads also build and approve.

Downloads stream (FileResponse, or a zip written as it is sent) and are audited like the
browser's.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from core.selectors import user_is_lead_anywhere
from exports.models import ExportSpecification, ExportVersion
from exports.selectors import (
    specification_get_for_user,
    specifications_managed_by,
    user_reads_exports,
    version_get_for_user,
    versions_for_user,
)
from exports.serializers import (
    ExportSpecificationSerializer,
    ExportVersionDetailSerializer,
    ExportVersionSerializer,
)
from exports.services.agreement import ExportRefused
from exports.services.building import export_version_approve, export_version_start
from exports.services.downloads import (
    archive_name,
    archive_stream,
    download_record,
    export_file_path,
)

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
    @extend_schema(responses={(200, "application/octet-stream"): BINARY})
    def get(self, request: AuthedRequest, version_id: int, name: str) -> FileResponse:
        version = _downloadable(request, version_id)
        path = export_file_path(version=version, name=name)
        download_record(version=version, user=request.user, what=name, via="api")
        return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


class ExportApproveApi(APIView):
    @extend_schema(request=None, responses={200: ExportVersionSerializer, 409: None})
    def post(self, request: AuthedRequest, version_id: int) -> Response:
        version, _manages = version_get_for_user(
            version_id=version_id, user=request.user, manage=True
        )
        try:
            version = export_version_approve(version=version, user=request.user)
        except ExportRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        return Response(ExportVersionSerializer(version).data)


class ExportSpecificationListApi(generics.ListAPIView[ExportSpecification]):
    """Specifications the caller manages (lead of every one of their projects)."""

    serializer_class = ExportSpecificationSerializer

    def get_queryset(self) -> QuerySet[ExportSpecification]:
        user = self.request.user
        if not user_is_lead_anywhere(user=user):  # type: ignore[arg-type]
            raise PermissionDenied
        return specifications_managed_by(user=user)


class ExportBuildApi(APIView):
    @extend_schema(request=None, responses={202: ExportVersionSerializer, 409: None})
    def post(self, request: AuthedRequest, specification_id: int) -> Response:
        specification = specification_get_for_user(
            specification_id=specification_id, user=request.user
        )
        try:
            version = export_version_start(specification=specification, user=request.user)
        except ExportRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_409_CONFLICT)
        return Response(ExportVersionSerializer(version).data, status=status.HTTP_202_ACCEPTED)
