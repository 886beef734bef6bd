"""The agreement and judges API, for a project's leads (reviewers get 403: blind review).

- ``GET projects/<slug>/agreement/``: the agreement report (``?rubric=<id>&since=&until=`` as
  on the dashboard), the per-criterion table typed, the other sections as documented JSON. A
  report of more than 10,000 ratings that is not cached answers 202 with the background Job
  computing it; ask again when the job has succeeded.
- ``POST projects/<slug>/agreement/recompute/``: queue that Job (same filters); answers it.
- ``GET projects/<slug>/judges/``: the project's judge configurations with their latest run.
- ``POST projects/<slug>/judges/<id>/runs/``: start a run (a Job); answers the run.
- ``GET projects/<slug>/judge-runs/<id>/``: a run's status, counts, tokens and cost.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
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
from core.serializers import JobSerializer
from review.forms import AgreementFilterForm
from review.models import JudgeConfig, JudgeItemSignal, JudgeRun
from review.selectors.agreement import rubric_for_agreement, rubrics_rated
from review.selectors.judge_prompt_history import judge_prompt_history
from review.selectors.judge_signals import judge_run_signals
from review.services.agreement_cache import agreement_inline, agreement_refresh_enqueue
from review.services.judging import (
    JudgeRunBusy,
    JudgeRunError,
    judge_run_start,
)

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
    n_boot = serializers.IntegerField(help_text="bootstrap resamples drawn (0: no interval)")
    n_boot_dropped = serializers.IntegerField(
        help_text="resamples without variation, left out of the interval"
    )
    ratings_per_item = serializers.FloatField(
        allow_null=True, help_text="ratings per rated item on average, single ratings included"
    )
    unreliable = serializers.BooleanField(
        help_text="fewer than 30 pairable items, or fewer than 2 ratings per item on average"
    )
    warnings = serializers.ListField(
        child=serializers.CharField(),
        help_text="few_items, few_raters (both make it unreliable), dropped_resamples (more "
        "than 5% of the resamples left out)",
    )


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
        "disagreements, pair_disagreements: [{item, majority, votes, n_raters, judge}]}]"
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
            "examples",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class JudgeConfigSerializer(serializers.ModelSerializer[JudgeConfig]):
    rubric: serializers.StringRelatedField[Any] = serializers.StringRelatedField(allow_null=True)
    latest_run = serializers.SerializerMethodField()

    class Meta:
        model = JudgeConfig
        fields = [
            "id",
            "name",
            "base_url",
            "model",
            "api_key_name",
            "rubric",
            "prompt_version",
            "language",
            "temperature",
            "samples",
            "few_shot",
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


FILTERS = [
    OpenApiParameter("rubric", int, description="rubric version id (default: project's)"),
    OpenApiParameter("since", str, description="YYYY-MM-DD, first day included"),
    OpenApiParameter("until", str, description="YYYY-MM-DD, last day included"),
]


def _filters(request: AuthedRequest, project: Project) -> tuple[Any, Any, Any] | Response:
    form = AgreementFilterForm(request.query_params, rubrics=rubrics_rated(project=project))
    if not form.is_valid():
        return Response({"detail": _("Invalid filters."), "problems": form.errors}, status=400)
    rubric = rubric_for_agreement(project=project, rubric=form.cleaned_data.get("rubric"))
    since, until = form.period()
    return rubric, since, until


class AgreementApi(APIView):
    @extend_schema(
        operation_id="review_agreement",
        summary="A project's agreement report (leads)",
        description="A large report (over 10,000 ratings) that is not cached yet is computed "
        "in the background: the answer is then 202 with the Job; ask again once it succeeded.",
        parameters=FILTERS,
        responses={
            200: AgreementReportSerializer,
            202: JobSerializer,
            400: OpenApiResponse(description="bad filter"),
        },
    )
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project = _lead_project(request, slug)
        filters = _filters(request, project)
        if isinstance(filters, Response):
            return filters
        rubric, since, until = filters
        report = agreement_inline(project=project, rubric=rubric, since=since, until=until)
        if report is None:
            job = agreement_refresh_enqueue(
                project=project, rubric=rubric, since=since, until=until, user=request.user
            )
            return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        return Response(report)


class AgreementRecomputeApi(APIView):
    @extend_schema(
        operation_id="review_agreement_recompute",
        summary="Compute a project's agreement report in the background (leads)",
        description="Queues the Job (or answers the one already queued or running); follow "
        "it at /api/jobs/<id>/, then read the report at /api/projects/<slug>/agreement/ "
        "with the same filters.",
        parameters=FILTERS,
        request=None,
        responses={202: JobSerializer, 400: OpenApiResponse(description="bad filter")},
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project = _lead_project(request, slug)
        filters = _filters(request, project)
        if isinstance(filters, Response):
            return filters
        rubric, since, until = filters
        job = agreement_refresh_enqueue(
            project=project, rubric=rubric, since=since, until=until, user=request.user
        )
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


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
            409: OpenApiResponse(description="a run of this judge is already queued or running"),
        },
    )
    def post(self, request: AuthedRequest, slug: str, judge_id: int) -> Response:
        project = _lead_project(request, slug)
        config = get_object_or_404(JudgeConfig, pk=judge_id, project=project)
        try:
            run = judge_run_start(config=config, user=request.user)
        except JudgeRunBusy as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
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


class JudgeSignalSerializer(serializers.ModelSerializer[JudgeItemSignal]):
    item = serializers.IntegerField(source="item_id", read_only=True)
    judges_disagree = serializers.SerializerMethodField()

    class Meta:
        model = JudgeItemSignal
        fields = [
            "item",
            "verdict",
            "score",
            "spread",
            "n_ok",
            "n_unparsable",
            "n_failed",
            "position_flip",
            "uncertainty",
            "judges_disagree",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_judges_disagree(self, signal: JudgeItemSignal) -> bool | None:
        return self.context["disagree"].get(signal.item_id)


class JudgeRunSignalsApi(APIView):
    @extend_schema(
        operation_id="review_judge_run_signals",
        summary="A judge run's signals per item, most uncertain first (leads)",
        responses={200: JudgeSignalSerializer(many=True)},
    )
    def get(self, request: AuthedRequest, slug: str, run_id: int) -> Response:
        project = _lead_project(request, slug)
        run = get_object_or_404(
            JudgeRun.objects.select_related("config"), pk=run_id, config__project=project
        )
        rows = judge_run_signals(run=run)
        disagree = {row.signal.item_id: row.judges_disagree for row in rows}
        data = JudgeSignalSerializer(
            [row.signal for row in rows], many=True, context={"disagree": disagree}
        ).data
        return Response(data)


class CriterionAlignmentSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    n_items = serializers.IntegerField()
    alpha_with_judge = serializers.FloatField(allow_null=True)
    alpha_humans = serializers.FloatField(allow_null=True)
    spearman = serializers.FloatField(allow_null=True)
    kappa = serializers.FloatField(allow_null=True)


class PromptVersionAlignmentSerializer(serializers.Serializer[Any]):
    prompt_version = serializers.CharField()
    first_answer = serializers.DateTimeField()
    last_answer = serializers.DateTimeField()
    n_answers = serializers.IntegerField()
    criteria = CriterionAlignmentSerializer(many=True)


class JudgePromptHistoryApi(APIView):
    @extend_schema(
        operation_id="review_judge_prompt_history",
        summary="A judge's alignment with the reviewers per prompt version, oldest first (leads)",
        responses={200: PromptVersionAlignmentSerializer(many=True)},
    )
    def get(self, request: AuthedRequest, slug: str, judge_id: int) -> Response:
        project = _lead_project(request, slug)
        config = get_object_or_404(JudgeConfig, pk=judge_id, project=project)
        history = judge_prompt_history(config=config)
        return Response(PromptVersionAlignmentSerializer(history, many=True).data)
