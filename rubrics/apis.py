from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from rubrics.selectors import rubric_list, rubric_version_get, rubric_versions, rubrics_check_view
from rubrics.serializers import RubricDetailSerializer, RubricVersionSerializer


class RubricListApi(APIView):
    """The newest version of every rubric (which may be a draft)."""

    @extend_schema(responses=RubricVersionSerializer(many=True))
    def get(self, request: AuthedRequest) -> Response:
        rubrics_check_view(user=request.user)
        return Response(RubricVersionSerializer(rubric_list(), many=True).data)


class RubricVersionListApi(APIView):
    """Every version of one rubric, newest first."""

    @extend_schema(responses=RubricVersionSerializer(many=True))
    def get(self, request: AuthedRequest, slug: str) -> Response:
        rubrics_check_view(user=request.user)
        versions = rubric_versions(slug=slug)
        if not versions.exists():
            return Response({"detail": "No such rubric."}, status=404)
        return Response(RubricVersionSerializer(versions, many=True).data)


class RubricVersionApi(APIView):
    """One version with its groups and criteria."""

    @extend_schema(responses=RubricDetailSerializer)
    def get(self, request: AuthedRequest, slug: str, version: int) -> Response:
        rubrics_check_view(user=request.user)
        rubric = rubric_version_get(slug=slug, version=version)
        return Response(RubricDetailSerializer(rubric).data)


__all__ = ["RubricListApi", "RubricVersionApi", "RubricVersionListApi"]
