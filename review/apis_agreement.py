"""The agreement and judges API, for a project's leads (reviewers get 403: blind review).

- ``GET projects/<slug>/agreement/``: the agreement report (``?rubric=<id>&since=&until=`` as
  on the dashboard), the per-criterion table typed, the other sections as documented JSON.
- ``GET projects/<slug>/judges/``: the project's judge configurations with their latest run.
- ``POST projects/<slug>/judges/<id>/runs/``: start a run (a Job); answers the run.
- ``GET projects/<slug>/judge-runs/<id>/``: a run's status, counts, tokens and cost.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import AuthedRequest
from core.models import Project, Role
from core.selectors import project_get_for_user
from review.forms_agreement import AgreementFilterForm
from review.models import JudgeConfig, JudgeRun
from review.selectors.agreement import rubric_for_agreement, rubrics_rated
from review.services.agreement import agreement_cached, agreement_refresh
from review.services.judging import JudgeRunError, judge_run_start

LEADS = [Role.LEAD]


class AlphaRowSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.CharField()
    alpha = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True, help_text="95% bootstrap interval, lower end")
    high = serializers.FloatField(allow_null=True, help_text="95% bootstrap interval, upper end")
    n_items = serializers.IntegerField(help_text="items with two or more ratings")
    n_pairable = serializers.IntegerField(help_text="ratings on those items")
    n_raters = serializers.IntegerField()
    reason = serializers.CharField(allow_null=True, help_text="why alpha is undefined, if it is")


class AgreementReportSerializer(serializers.Serializer):
    project = serializers.CharField()
    rubric = serializers.JSONField(allow_null=True, help_text="id, slug, version, name")
    filters = serializers.JSONField()
    n_boot = serializers.IntegerField()
    seed = serializers.IntegerField()
    confidence = serializers.FloatField()
    criteria = AlphaRowSerializer(many=True)
    composite = AlphaRowSerializer(allow_null=True)
    adjudicated = serializers.JSONField(help_text="[{criterion, n_items, mean_shift}]")
    pairwise = serializers.JSONField(allow_null=True, help_text="{choice, principles}")
    reviewers = serializers.JSONField(
        help_text="[{criterion, rater, n_items, exact, within_one, mean_abs_diff, bias, alpha}]"
    )
    weeks = serializers.JSONField(help_text="[{criterion, week, alpha, low, high, n_items, ...}]")
    judges = serializers.JSONField(
        help_text="[{name, kind, provenance, criteria: [{code, humans, with_judge, spearman, "
        "kappa, mean_abs_error, bias, confusion}], pairwise, principles, position, "
        "disagreements}]"
    )
    disagreements = serializers.JSONField(help_text="[{item, criterion, low, high, spread, n}]")


class JudgeRunSerializer(serializers.ModelSerializer[JudgeRun]):
    judge = serializers.CharField(source="config.name", read_only=True)
    job = serializers.IntegerField(source="job_id", allow_null=True, read_only=True)

    class Meta:
        model = JudgeRun
        fields = [
            "id",
            "judge",
            "job",
            "status",
            "n_requests",
            "n_reused",
            "n_called",
            "n_ok",
            "n_unparsable",
            "n_refused",
            "n_error",
            "prompt_tokens",
            "completion_tokens",
            "cost",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class JudgeConfigSerializer(serializers.ModelSerializer[JudgeConfig]):
    rubric: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    latest_run = serializers.SerializerMethodField()

    class Meta:
        model = JudgeConfig
        fields = [
            "id",
            "name",
            "base_url",
            "model",
            "api_key_env",
            "rubric",
            "prompt_version",
            "language",
            "temperature",
            "max_tokens",
            "concurrency",
            "timeout",
            "retries",
            "use_json_schema",
            "latest_run",
        ]
        read_only_fields = fields

    @extend_schema_field(JudgeRunSerializer(allow_null=True))
    def get_latest_run(self, config: JudgeConfig) -> dict[str, Any] | None:
        run = config.runs.first()
        return JudgeRunSerializer(run).data if run is not None else None


def _lead_project(request: AuthedRequest, slug: str) -> Project:
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=LEADS)
    return project


class AgreementApi(APIView):
    @extend_schema(
        operation_id="review_agreement",
        summary="A project's agreement report (leads)",
        parameters=[
            OpenApiParameter("rubric", int, description="rubric version id (default: project's)"),
            OpenApiParameter("since", str, description="YYYY-MM-DD, first day included"),
            OpenApiParameter("until", str, description="YYYY-MM-DD, last day included"),
        ],
        responses={200: AgreementReportSerializer, 400: OpenApiResponse(description="bad filter")},
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _lead_project(request, slug)
        form = AgreementFilterForm(request.query_params, rubrics=rubrics_rated(project=project))
        if not form.is_valid():
            return Response({"detail": "invalid filters", "problems": form.errors}, status=400)
        rubric = rubric_for_agreement(project=project, rubric=form.cleaned_data.get("rubric"))
        since, until = form.period()
        report = agreement_cached(project=project, rubric=rubric, since=since, until=until)
        if report is None:
            report = agreement_refresh(project=project, rubric=rubric, since=since, until=until)
        return Response(report)


class JudgeListApi(APIView):
    @extend_schema(
        operation_id="review_judges",
        summary="A project's judge configurations with their latest run (leads)",
        responses={200: JudgeConfigSerializer(many=True)},
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _lead_project(request, slug)
        configs = JudgeConfig.objects.filter(project=project).select_related("rubric")
        return Response(JudgeConfigSerializer(configs, many=True).data)


class JudgeRunStartApi(APIView):
    @extend_schema(
        operation_id="review_judge_run_start",
        summary="Start a judge run over the project's items (leads)",
        request=None,
        responses={
            202: JudgeRunSerializer,
            400: OpenApiResponse(description="the judge cannot be used as configured"),
        },
    )
    def post(self, request: AuthedRequest, slug: str, judge_id: int) -> Response:
        project = _lead_project(request, slug)
        config = get_object_or_404(JudgeConfig, pk=judge_id, project=project)
        try:
            run = judge_run_start(config=config, user=request.user)
        except JudgeRunError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        run.refresh_from_db()
        return Response(JudgeRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class JudgeRunApi(APIView):
    @extend_schema(
        operation_id="review_judge_run",
        summary="A judge run's status, counts, tokens and cost (leads)",
        responses={200: JudgeRunSerializer},
    )
    def get(self, request: AuthedRequest, slug: str, run_id: int) -> Response:
        project = _lead_project(request, slug)
        run = get_object_or_404(
            JudgeRun.objects.select_related("config"), pk=run_id, config__project=project
        )
        return Response(JudgeRunSerializer(run).data)
