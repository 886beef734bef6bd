from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from rubrics.selectors import (
    rubric_list,
    rubric_version_for_user,
    rubric_versions,
    rubrics_check_view,
    user_can_edit_rubrics,
)
from rubrics.serializers import RubricDetailSerializer, RubricVersionSerializer


class RubricListApi(APIView):
    """The newest version of every rubric (a draft only for those who may edit rubrics)."""

    @extend_schema(responses=RubricVersionSerializer(many=True))
    def get(self, request: AuthedRequest) -> Response:
        rubrics_check_view(user=request.user)
        drafts = user_can_edit_rubrics(user=request.user)
        return Response(RubricVersionSerializer(rubric_list(include_drafts=drafts), many=True).data)


class RubricVersionListApi(APIView):
    """Every version of one rubric, newest first."""

    @extend_schema(responses=RubricVersionSerializer(many=True))
    def get(self, request: AuthedRequest, slug: str) -> Response:
        rubrics_check_view(user=request.user)
        drafts = user_can_edit_rubrics(user=request.user)
        versions = rubric_versions(slug=slug, include_drafts=drafts)
        if not versions.exists():
            raise Http404
        return Response(RubricVersionSerializer(versions, many=True).data)


class RubricVersionApi(APIView):
    """One version with its groups and criteria."""

    @extend_schema(responses=RubricDetailSerializer)
    def get(self, request: AuthedRequest, slug: str, version: int) -> Response:
        rubric = rubric_version_for_user(slug=slug, version=version, user=request.user)
        return Response(RubricDetailSerializer(rubric).data)


__all__ = ["RubricListApi", "RubricVersionApi", "RubricVersionListApi"]
