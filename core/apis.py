from __future__ import annotations

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core import jobs, throttle
from core.forms import THROTTLED
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
    TokenObtainedSerializer,
    TokenObtainSerializer,
)
from core.tokens import api_token_create


class TokenObtainApi(APIView):
    """Exchange a user name and password for a new API token, which expires.

    The third way in beside the two sign-in forms, so it shares their lockout (core.throttle):
    while the account (or this client's tries at it) is locked, the answer is 429 before the
    password is looked at. DRF's per-address rate applies on top.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenObtainSerializer,
        responses={200: TokenObtainedSerializer, 400: None, 429: None},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        if throttle.login_blocked(request._request, username):
            return Response({"detail": str(THROTTLED)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        user = authenticate(
            request._request, username=username, password=serializer.validated_data["password"]
        )
        if user is None:
            throttle.login_failed(request._request, username, entrance="api")
            return Response(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        throttle.login_succeeded(request._request, username)
        token, key = api_token_create(user=user, name=_("API sign-in"))
        return Response({"token": key, "expires_at": token.expires_at})


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
