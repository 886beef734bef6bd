"""The triage queue order through the API: its settings and how many items each band holds.

For a project's leads only; the bands say where the judges are unsure, which a reviewer must
not learn before submitting (blind review).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from core.models import Project, Role
from core.selectors import project_get_for_user
from review.models import ReviewSettings
from review.selectors.access import review_settings_for
from review.selectors.triage import triage_band_counts
from review.services.projects import (
    ProjectSetupError,
    review_settings_update,
    settings_change_of,
)


class TriageBandSerializer(serializers.Serializer[Any]):
    band = serializers.IntegerField()
    name = serializers.CharField()
    items = serializers.IntegerField()


class TriageSettingsSerializer(serializers.Serializer[Any]):
    queue_order = serializers.ChoiceField(choices=ReviewSettings.QueueOrder.choices)
    triage_control_share = serializers.DecimalField(
        max_digits=4, decimal_places=3, min_value=Decimal(0), max_value=Decimal(1)
    )
    bands = TriageBandSerializer(many=True, read_only=True)


class TriageSettingsUpdateSerializer(serializers.Serializer[Any]):
    queue_order = serializers.ChoiceField(choices=ReviewSettings.QueueOrder.choices, required=False)
    triage_control_share = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal(0),
        max_value=Decimal(1),
        required=False,
    )


def _lead_project(request: AuthedRequest, slug: str) -> Project:
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
    return project


def _payload(project: Project, share: Decimal | None = None) -> dict[str, Any]:
    settings = review_settings_for(project=project)
    bands = triage_band_counts(project=project, control_share=share)
    return {
        "queue_order": settings.queue_order,
        "triage_control_share": settings.triage_control_share,
        "bands": [{"band": b.band, "name": b.label, "items": b.items} for b in bands],
    }


class TriageSettingsApi(APIView):
    @extend_schema(
        operation_id="review_queue_settings",
        summary="The queue order, the control slice and the items per triage band (leads)",
        parameters=[
            OpenApiParameter(
                "control_share",
                float,
                description="count the bands as if the control slice were this share",
            )
        ],
        responses={200: TriageSettingsSerializer},
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _lead_project(request, slug)
        share = None
        if "control_share" in request.query_params:
            field = TriageSettingsUpdateSerializer(
                data={"triage_control_share": request.query_params["control_share"]}
            )
            field.is_valid(raise_exception=True)
            share = field.validated_data["triage_control_share"]
        return Response(TriageSettingsSerializer(_payload(project, share)).data)

    @extend_schema(
        operation_id="review_queue_settings_update",
        summary="Choose the queue order or the control slice (leads)",
        request=TriageSettingsUpdateSerializer,
        responses={
            200: TriageSettingsSerializer,
            400: OpenApiResponse(description="a value out of range"),
        },
    )
    def patch(self, request: AuthedRequest, slug: str) -> Response:
        project = _lead_project(request, slug)
        given = TriageSettingsUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        settings = review_settings_for(project=project)
        try:
            review_settings_update(
                project=project,
                change=settings_change_of(settings=settings, **given.validated_data),
                actor=request.user,
            )
        except ProjectSetupError as exc:
            return Response({exc.field or "detail": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(TriageSettingsSerializer(_payload(project)).data)
