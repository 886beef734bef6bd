from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core import jobs
from core.http import AuthedRequest
from core.models import Job, Project
from core.selectors import (
    job_get_for_user,
    jobs_for_user,
    project_get_for_user,
    project_members,
    projects_for_user,
)
from core.serializers import (
    JobSerializer,
    MeSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
)


class TokenObtainApi(ObtainAuthToken):
    """Exchange a user name and password for an API token (throttled against guessing)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: AuthedRequest) -> Response:
        return Response(MeSerializer(request.user).data)


class ProjectListApi(generics.ListAPIView[Project]):
    serializer_class = ProjectSerializer

    def get_queryset(self) -> QuerySet[Project]:
        return projects_for_user(user=self.request.user)  # type: ignore[arg-type]


class ProjectDetailApi(APIView):
    @extend_schema(responses=ProjectDetailSerializer)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project, membership = project_get_for_user(slug=slug, user=request.user)
        serializer = ProjectDetailSerializer(
            project,
            context={"membership": membership, "members": project_members(project=project)},
        )
        return Response(serializer.data)


class JobListApi(generics.ListAPIView[Job]):
    serializer_class = JobSerializer

    def get_queryset(self) -> QuerySet[Job]:
        return jobs_for_user(user=self.request.user)  # type: ignore[arg-type]


class JobDetailApi(APIView):
    @extend_schema(responses=JobSerializer)
    def get(self, request: AuthedRequest, job_id: int) -> Response:
        job = job_get_for_user(job_id=job_id, user=request.user)
        return Response(JobSerializer(job, context={"request": request}).data)


class JobRetryApi(APIView):
    @extend_schema(request=None, responses={202: JobSerializer, 409: None, 503: None})
    def post(self, request: AuthedRequest, job_id: int) -> Response:
        job = job_get_for_user(job_id=job_id, user=request.user)
        if not job.can_retry:
            return Response(
                {"detail": _("Only a failed or cancelled job can be retried.")},
                status=status.HTTP_409_CONFLICT,
            )
        job = jobs.job_retry(job=job)
        return Response(
            JobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )


class JobCancelApi(APIView):
    @extend_schema(request=None, responses={202: JobSerializer, 409: None})
    def post(self, request: AuthedRequest, job_id: int) -> Response:
        job = job_get_for_user(job_id=job_id, user=request.user)
        if not job.can_cancel:
            return Response(
                {"detail": _("This job has already ended.")}, status=status.HTTP_409_CONFLICT
            )
        job = jobs.job_cancel(job=job)
        return Response(
            JobSerializer(job, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
        )
