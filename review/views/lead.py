"""Views of the review app: the lead part.

Every view starts with ``lead_project``: the caller must lead the project (404 for outsiders,
403 for other roles). Items are then reached only through the project
(``item_get_for_lead``), and reviews only through ``review.selectors.access``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import AuthedHttpRequest, redirect_target
from core.markdown import guidelines_render
from core.models import Project, Role
from core.selectors import project_get_for_user
from review.forms import (
    AddItemsForm,
    ApprovalRuleForm,
    PairChoiceForm,
    ProjectCreateForm,
    ReasonForm,
    SessionFilterForm,
    SettingsForm,
)
from review.models import Item, ReviewSettings
from review.selectors import lead as selectors
from review.selectors.access import review_settings_for
from review.selectors.item_outcome import item_disagreement, item_final_choice, item_final_scores
from review.selectors.status import project_overdue
from review.selectors.triage import triage_band_counts
from review.services import adjudication as adjudication_services
from review.services import approval as approval_services
from review.services import items as item_services
from review.services import projects as project_services

SESSIONS_SHOWN = 100


def lead_project(request: AuthedHttpRequest, slug: str) -> Project:
    """The project of the URL, for its leads only (404 outside it, 403 for other roles)."""
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
    return project


def query_without_page(request: AuthedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def page_of(request: AuthedHttpRequest, queryset: Any, per_page: int = 50) -> Any:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@require_GET
def project_overview(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = lead_project(request, slug)
    settings = review_settings_for(project=project)
    return render(
        request,
        "review/lead/project.html",
        {
            "project": project,
            "settings": settings,
            "progress": selectors.project_progress(project=project),
            "guidelines": guidelines_render(text=settings.guidelines),
            "queue_size": Item.objects.filter(
                project=project, status=Item.Status.NEEDS_ADJUDICATION
            ).count(),
            "statuses": Item.Status.choices,
            "overdue": project_overdue(settings=settings),
        },
    )


@require_http_methods(["GET", "POST"])
def project_create(request: AuthedHttpRequest) -> HttpResponse:
    """A new review project; staff and existing leads only (the service checks it again)."""
    if not project_services.project_create_allowed(user=request.user):
        raise PermissionDenied(
            _("Only staff and the leads of a project may create review projects.")
        )
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = project_services.review_project_create(
                slug=form.cleaned_data["slug"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                change=form.change(),
                actor=request.user,
            )
        except project_services.ProjectSetupError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(
                request, _("Project %(name)s created; you lead it.") % {"name": project.name}
            )
            return redirect("review:lead_project", slug=project.slug)
    return render(request, "review/lead/project_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
def project_settings(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = lead_project(request, slug)
    settings = review_settings_for(project=project)
    form = SettingsForm(request.POST or None, instance=settings)
    if request.method == "POST" and form.is_valid():
        try:
            project_services.review_settings_update(
                project=project, change=form.change(), actor=request.user
            )
        except project_services.ProjectSetupError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, _("Review settings saved."))
            return redirect("review:lead_settings", slug=project.slug)
    # The form's instance was changed by validation; show the stored guidelines in the preview.
    stored = review_settings_for(project=project)
    return render(
        request,
        "review/lead/settings.html",
        {
            "project": project,
            "form": form,
            "rubric_locked": project_services.project_rubric_locked(project=project),
            "guidelines": guidelines_render(text=stored.guidelines),
            "triage_bands": triage_band_counts(project=project),
            "triage_on": stored.queue_order == ReviewSettings.QueueOrder.TRIAGE,
            "control_share": stored.triage_control_share,
        },
    )


@require_GET
def item_list(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = lead_project(request, slug)
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    items = selectors.items_for_lead(
        project=project,
        status=status if status in Item.Status.values else "",
        kind=kind if kind in Item.Kind.values else "",
    )
    return render(
        request,
        "review/lead/items.html",
        {
            "project": project,
            "page": page_of(request, items),
            "status": status,
            "kind": kind,
            "statuses": Item.Status.choices,
            "kinds": Item.Kind.choices,
            "overlap": review_settings_for(project=project).overlap,
            "query": query_without_page(request),
        },
    )


def _session_filter(form: SessionFilterForm) -> selectors.SessionFilter:
    if not form.is_valid():
        return selectors.SessionFilter()
    data = form.cleaned_data
    return selectors.SessionFilter(
        source_format=data["source_format"],
        batch_id=int(data["batch"]) if data["batch"] else None,
        language=data["language"],
        topic=data["topic"].strip(),
        flags=data["flags"],
    )


@require_http_methods(["GET", "POST"])
def item_add(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Pick sessions by filter (the filter travels in the query string) and add them."""
    project = lead_project(request, slug)
    options = selectors.session_filter_options(project=project)
    filter_form = SessionFilterForm(request.GET or None, options=options)
    sessions = selectors.sessions_matching(
        project=project, session_filter=_session_filter(filter_form)
    )
    shown = list(sessions[:SESSIONS_SHOWN])
    add_form = AddItemsForm(request.POST or None, session_ids=[s.pk for s in shown])
    if request.method == "POST" and add_form.is_valid():
        chosen = sessions
        if add_form.cleaned_data["scope"] == "selected":
            chosen = sessions.filter(pk__in=add_form.cleaned_data["sessions"])
        add = (
            item_services.items_add_pairs
            if add_form.cleaned_data["kind"] == "pair"
            else item_services.items_add_sessions
        )
        try:
            added = add(project=project, sessions=chosen, actor=request.user)
        except item_services.ItemError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                ngettext("%(count)d item added", "%(count)d items added", added.created)
                % {"count": added.created}
                + (
                    "; " + _("%(count)d already in the project.") % {"count": added.existing}
                    if added.existing
                    else "."
                ),
            )
        return redirect(
            f"{reverse('review:lead_item_add', args=[project.slug])}?{request.GET.urlencode()}"
        )
    in_project = set(
        Item.objects.filter(project=project, kind=Item.Kind.SESSION, session__in=shown).values_list(
            "session_id", flat=True
        )
    )
    return render(
        request,
        "review/lead/item_add.html",
        {
            "project": project,
            "filter_form": filter_form,
            "add_form": add_form,
            "sessions": shown,
            "matching": sessions.count(),
            "in_project": in_project,
            "query": request.GET.urlencode(),
        },
    )


def _item_context(request: AuthedHttpRequest, project: Project, item: Item) -> dict[str, Any]:
    reviews = selectors.item_reviews_for(item=item, user=request.user)
    rubric = adjudication_services.item_rubric(item=item)
    turns = selectors.item_turns(item=item)
    if item.kind == Item.Kind.PAIR and item.turn_index is not None:
        turns = turns[: item.turn_index]
    return {
        "project": project,
        "item": item,
        "turns": turns,
        "threshold": review_settings_for(project=project).adjudication_spread,
        "reviews": reviews,
        "judgments": selectors.item_judgments_for(item=item, user=request.user),
        "rows": selectors.criterion_rows(reviews=reviews, rubric=rubric),
        "rubric": rubric,
        "criteria": list(rubric.criteria.all()) if rubric else [],
        "adjudications": selectors.item_adjudications(item=item),
        "choices": PairChoiceForm.base_fields["choice"].choices,  # type: ignore[attr-defined]
        "disagreement": item_disagreement(item=item),
        "final_total": approval_services.item_final_total(item=item)
        if item.kind == Item.Kind.SESSION
        else None,
        "final_choice": item_final_choice(item=item),
        "final_scores": item_final_scores(item=item),
    }


# The item page shows the latest events; the whole trail (up to a bound that keeps one
# response small) loads when the lead asks for it.
AUDIT_LATEST = 5
AUDIT_ALL = 1000


@require_GET
def item_detail(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    project = lead_project(request, slug)
    item = selectors.item_get_for_lead(project=project, item_id=item_id)
    context = _item_context(request, project, item)
    events = selectors.item_audit_events(item=item)
    context["latest_events"] = list(events[:AUDIT_LATEST])
    context["events_count"] = (
        events.count()
        if len(context["latest_events"]) == AUDIT_LATEST
        else len(context["latest_events"])
    )
    return render(request, "review/lead/item.html", context)


@require_GET
def item_audit(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """The item's whole audit trail: the fragment its page opens on demand (htmx), or a page."""
    project = lead_project(request, slug)
    item = selectors.item_get_for_lead(project=project, item_id=item_id)
    template = (
        "review/lead/_audit.html"
        if request.headers.get("HX-Request") == "true"
        else "review/lead/item_audit.html"
    )
    context = {
        "project": project,
        "item": item,
        "events": selectors.item_audit_events(item=item)[:AUDIT_ALL],
    }
    return render(request, template, context)


def _posted_scores(request: AuthedHttpRequest, prefix: str, criteria: list[Any]) -> dict[str, Any]:
    """Form values ``<prefix>-<code>`` as the services take them ("" left out, "na" kept)."""
    values: dict[str, Any] = {}
    for criterion in criteria:
        raw = request.POST.get(f"{prefix}-{criterion.code}", "").strip()
        if raw:
            values[criterion.code] = raw
    return values


@require_POST
def item_gold(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    project = lead_project(request, slug)
    item = selectors.item_get_for_lead(project=project, item_id=item_id)
    try:
        if request.POST.get("action") == "clear":
            item_services.item_gold_clear(item=item, actor=request.user)
            messages.success(request, _("This item is no longer a gold item."))
        elif item.kind == Item.Kind.PAIR:
            item_services.item_gold_set(
                item=item, actor=request.user, choice=request.POST.get("gold-choice", "")
            )
            messages.success(request, _("Gold answer saved."))
        else:
            rubric = adjudication_services.item_rubric(item=item)
            criteria = list(rubric.criteria.all()) if rubric else []
            item_services.item_gold_set(
                item=item, actor=request.user, scores=_posted_scores(request, "gold", criteria)
            )
            messages.success(request, _("Gold answer saved."))
    except item_services.ItemError as exc:
        messages.error(request, str(exc))
    return redirect("review:lead_item", slug=project.slug, item_id=item.pk)


@require_POST
def item_decide(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    project = lead_project(request, slug)
    item = selectors.item_get_for_lead(project=project, item_id=item_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if request.POST.get("decision") == "approve":
            approval_services.item_approve(item=item, actor=request.user, reason=reason)
            messages.success(request, _("Item approved."))
        elif request.POST.get("decision") == "reject":
            approval_services.item_reject(item=item, actor=request.user, reason=reason)
            messages.success(request, _("Item rejected."))
        else:
            messages.error(request, _("Choose approve or reject."))
    except approval_services.ApprovalError as exc:
        messages.error(request, str(exc))
    return redirect(
        redirect_target(request, fallback=reverse("review:lead_item", args=[project.slug, item.pk]))
    )


@require_GET
def adjudication_queue(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project = lead_project(request, slug)
    return render(
        request,
        "review/lead/adjudication_queue.html",
        {"project": project, "entries": selectors.adjudication_queue(project=project)},
    )


@require_http_methods(["GET", "POST"])
def adjudicate(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    project = lead_project(request, slug)
    item = selectors.item_get_for_lead(project=project, item_id=item_id)
    context = _item_context(request, project, item)
    problems: list[str] = []
    posted: dict[str, Any] = {}
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        try:
            if item.kind == Item.Kind.PAIR:
                adjudication_services.item_adjudicate(
                    item=item,
                    lead=request.user,
                    reason=reason,
                    choice=request.POST.get("choice", ""),
                )
            else:
                posted = _posted_scores(request, "score", context["criteria"])
                adjudication_services.item_adjudicate(
                    item=item, lead=request.user, reason=reason, scores=_numbers(posted)
                )
        except adjudication_services.AdjudicationError as exc:
            problems = exc.problems
        except InvalidOperation:
            problems = [_("Scores must be numbers.")]
        else:
            messages.success(request, _("Adjudication recorded."))
            return redirect("review:lead_adjudication", slug=project.slug)
    context.update(
        {
            "problems": problems,
            "posted": posted,
            "reason": request.POST.get("reason", ""),
            "posted_choice": request.POST.get("choice", ""),
        }
    )
    return render(request, "review/lead/adjudicate.html", context, status=400 if problems else 200)


def _numbers(posted: dict[str, Any]) -> dict[str, Decimal | None]:
    return {
        code: None if value == item_services.NOT_APPLICABLE else Decimal(value)
        for code, value in posted.items()
    }


@require_http_methods(["GET", "POST"])
def approval(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """Bulk approval by rule: GET previews what the rule takes, POST approves exactly that."""
    project = lead_project(request, slug)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = ApprovalRuleForm(data)
    candidates: list[Item] = []
    if form.is_bound and form.is_valid():
        rule = form.rule()
        if request.method == "POST":
            approved = approval_services.items_approve_by_rule(
                project=project, rule=rule, actor=request.user
            )
            messages.success(
                request,
                ngettext("%(count)d item approved.", "%(count)d items approved.", len(approved))
                % {"count": len(approved)},
            )
            return redirect("review:lead_approval", slug=project.slug)
        candidates = approval_services.approval_candidates(project=project, rule=rule)
    return render(
        request,
        "review/lead/approval.html",
        {
            "project": project,
            "form": form,
            "candidates": candidates,
            "reviewed": Item.objects.filter(project=project, status=Item.Status.REVIEWED).count(),
        },
    )
