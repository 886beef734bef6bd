from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import NotFound

from core import jobs, throttle
from core.audit import audit_events_for_project
from core.forms import ThrottledAuthenticationForm
from core.http import AuthedHttpRequest
from core.models import Job, Role
from core.selectors import (
    job_get_for_user,
    jobs_for_user,
    project_get_for_user,
    project_members,
    projects_for_user,
)
from core.tokens import (
    api_token_create,
    api_token_get_for_user,
    api_token_revoke,
    api_tokens_for_user,
)


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


@method_decorator(login_not_required, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, limited per client address and per e-mail address.

    Each request sends a mail, so without a limit the form would let anyone flood an inbox or
    use Rapport's mail server as a cannon.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        if throttle.password_reset_blocked(self.request, email):
            minutes = max(1, settings.PASSWORD_RESET_THROTTLE_WINDOW // 60)
            form.add_error(
                None,
                ngettext(
                    "Too many password reset requests. Wait %(minutes)d minute before asking "
                    "again; a link that was already sent still works.",
                    "Too many password reset requests. Wait %(minutes)d minutes before asking "
                    "again; a link that was already sent still works.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        throttle.password_reset_requested(self.request, email)
        return super().form_valid(form)


@require_GET
def ping(request: AuthedHttpRequest) -> HttpResponse:
    """A signed-in request that does nothing else: the floor under every page's cost.

    It passes the same middleware as the pages (session, user, CSRF, locale), so
    ``bench/review_load.py`` compares the reviewer's pages with it in the same run; a monitor
    may also use it to check that signing in works.
    """
    return HttpResponse(b"ok", content_type="text/plain")


@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("project").order_by("project__name")
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "recent_jobs": jobs_for_user(user=request.user)[:5],
        },
    )


@require_GET
def project_list(request: AuthedHttpRequest) -> HttpResponse:
    return render(
        request, "core/project_list.html", {"projects": projects_for_user(user=request.user)}
    )


@require_GET
def project_detail(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project, membership = project_get_for_user(slug=slug, user=request.user)
    members = project_members(project=project)
    return render(
        request,
        "core/project_detail.html",
        {
            "project": project,
            "membership": membership,
            "members": members,
            "is_lead": membership.role == Role.LEAD,
        },
    )


@require_GET
def job_list(request: AuthedHttpRequest) -> HttpResponse:
    queryset = jobs_for_user(user=request.user)
    project_slug = request.GET.get("project", "")
    project = None
    if project_slug:
        project, _membership = project_get_for_user(slug=project_slug, user=request.user)
        queryset = queryset.filter(project=project)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "core/job_list.html",
        {
            "page": page,
            "project": project,
            "projects": projects_for_user(user=request.user, roles=[Role.LEAD]),
        },
    )


@require_GET
def job_detail(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    job = job_get_for_user(job_id=job_id, user=request.user)
    return render(request, "core/job_detail.html", {"job": job})


@require_GET
def job_progress(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    """The polled fragment. Once the job has ended it renders without the polling trigger.

    Embedded in a page that summarises the job's work itself (``?embedded=1``, an import batch),
    it leaves out the raw result."""
    job = job_get_for_user(job_id=job_id, user=request.user)
    embedded = request.GET.get("embedded") == "1"
    return render(request, "core/job_detail.html#job-progress", {"job": job, "embedded": embedded})


def _job_step(
    request: AuthedHttpRequest,
    *,
    job_id: int,
    allowed: Callable[[Job], bool],
    step: Callable[..., object],
    success: str,
    refusal: str,
) -> HttpResponse:
    """Retry and cancel: the step is taken only when the job's state allows it, then its page."""
    job = job_get_for_user(job_id=job_id, user=request.user)
    if allowed(job):
        step(job=job)
        messages.success(request, success)
    else:
        messages.error(request, refusal)
    return redirect("core:job_detail", job_id=job.pk)


@require_POST
def job_retry(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    return _job_step(
        request,
        job_id=job_id,
        allowed=lambda job: job.can_retry,
        step=jobs.job_retry,
        success=_("The job was queued again."),
        refusal=_("Only a failed or cancelled job can be retried."),
    )


@require_POST
def job_cancel(request: AuthedHttpRequest, job_id: int) -> HttpResponse:
    return _job_step(
        request,
        job_id=job_id,
        allowed=lambda job: job.can_cancel,
        step=jobs.job_cancel,
        success=_("The job will stop at its next step."),
        refusal=_("This job has already ended."),
    )


@require_http_methods(["GET", "POST"])
def api_token(request: AuthedHttpRequest) -> HttpResponse:
    """The user's own API tokens: when each was made, last used and expires; make a new one.

    A key is shown once, in the answer to the POST that made it; only its digest is kept.
    """
    new_key = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()[:100]
        _token, new_key = api_token_create(user=request.user, name=name)
        messages.success(request, _("A new API token was made. Copy it now: it is shown once."))
    return render(
        request,
        "core/api_token.html",
        {
            "tokens": api_tokens_for_user(user=request.user),
            "new_key": new_key,
            "ttl_days": settings.API_TOKEN_TTL_DAYS,
        },
    )


@require_POST
def api_token_revoke_view(request: AuthedHttpRequest, token_id: int) -> HttpResponse:
    token = api_token_get_for_user(token_id=token_id, user=request.user)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The API token was revoked."))
    return redirect("core:api_token")


@require_GET
def project_audit(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """The project's audit log for its leads, per object (item) or per person (reviewer)."""
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
    actor_name = request.GET.get("actor", "").strip()
    actor = None
    if actor_name:
        actor = next(
            (m.user for m in project_members(project=project) if m.user.username == actor_name),
            None,
        )
        if actor is None:
            raise Http404
    events = audit_events_for_project(
        project=project,
        object_type=request.GET.get("object_type", "").strip(),
        object_id=request.GET.get("object_id", "").strip(),
        actor=actor,
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/project_audit.html",
        {
            "project": project,
            "page": page,
            "members": project_members(project=project),
            "actor_name": actor_name,
            "object_type": request.GET.get("object_type", ""),
            "object_id": request.GET.get("object_id", ""),
        },
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A URL that matches no route: an API client gets JSON like every other API answer."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
