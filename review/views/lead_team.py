"""Views of the review app: a lead's team, its members, their calibration and each reviewer's page.

Like every lead view, each starts with ``lead_project``: the caller must lead the project.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import AuthedHttpRequest
from core.models import Role
from core.selectors import project_members
from review.forms import MemberForm, ReasonForm
from review.models import Item
from review.selectors import lead as selectors
from review.selectors.access import review_settings_for
from review.services import calibration as calibration_services
from review.services import projects as project_services
from review.services.calibration import calibration_result
from review.views.lead import lead_project, page_of, query_without_page


@require_http_methods(["GET", "POST"])
def project_members_view(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = lead_project(request, slug)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project_services.project_member_set(
                project=project,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except project_services.ProjectSetupError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Member saved."))
            return redirect("review:lead_members", slug=project.slug)
    return render(
        request,
        "review/lead/members.html",
        {
            "project": project,
            "form": form,
            "members": project_members(project=project),
            "roles": Role.choices,
        },
    )


@require_POST
def project_member_remove(request: AuthedHttpRequest, slug: str, user_id: int) -> HttpResponse:
    project = lead_project(request, slug)
    membership = selectors.reviewer_membership_get(project=project, user_id=user_id)
    try:
        project_services.project_member_remove(
            project=project, membership=membership, actor=request.user
        )
    except project_services.ProjectSetupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(name)s is no longer a member.") % {"name": membership.user.get_username()},
        )
    return redirect("review:lead_members", slug=project.slug)


@require_GET
def calibration(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = lead_project(request, slug)
    settings = review_settings_for(project=project)
    reviewers = [
        (membership, calibration_result(project=project, reviewer=membership.user))
        for membership in project_members(project=project).filter(role=Role.REVIEWER)
    ]
    gold = Item.objects.filter(project=project, is_gold=True).select_related("session")
    return render(
        request,
        "review/lead/calibration.html",
        {
            "project": project,
            "settings": settings,
            "reviewers": reviewers,
            "gold": gold,
            "waived": selectors.calibration_waived_ids(project=project),
        },
    )


@require_POST
def calibration_decide(request: AuthedHttpRequest, slug: str, user_id: int) -> HttpResponse:
    """Clear a reviewer's calibration (a waiver with a reason), or withdraw the waiver."""
    project = lead_project(request, slug)
    membership = selectors.reviewer_membership_get(project=project, user_id=user_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    decision = request.POST.get("decision", "")
    name = membership.user.get_username()
    try:
        if decision == "waive":
            calibration_services.calibration_waive(
                project=project, reviewer=membership.user, reason=reason, actor=request.user
            )
            messages.success(request, _("%(name)s may start live work.") % {"name": name})
        elif decision == "withdraw":
            calibration_services.calibration_waiver_withdraw(
                project=project, reviewer=membership.user, reason=reason, actor=request.user
            )
            messages.success(
                request, _("%(name)s needs to pass calibration again.") % {"name": name}
            )
        else:
            messages.error(request, _("Choose to clear the calibration or to withdraw it."))
    except calibration_services.CalibrationError as exc:
        messages.error(request, str(exc))
    return redirect("review:lead_calibration", slug=project.slug)


@require_GET
def reviewer_detail(request: AuthedHttpRequest, slug: str, user_id: int) -> HttpResponse:
    project = lead_project(request, slug)
    membership = selectors.reviewer_membership_get(project=project, user_id=user_id)
    progress = next(
        (
            row
            for row in selectors.project_progress(project=project).reviewers
            if row.membership.pk == membership.pk
        ),
        None,
    )
    return render(
        request,
        "review/lead/reviewer.html",
        {
            "project": project,
            "membership": membership,
            "progress": progress,
            "calibration": calibration_result(project=project, reviewer=membership.user),
            "page": page_of(
                request, selectors.reviewer_audit_events(project=project, user=membership.user)
            ),
            "query": query_without_page(request),
        },
    )
