"""Rubric pages: the list, a version as reviewers see it, and the lead's draft editor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.http import AuthedHttpRequest
from rubrics import services
from rubrics.errors import RubricInUse, RubricLocked
from rubrics.files import RubricFileError, definition_check, definition_dump, rubric_definition
from rubrics.forms import CriterionForm, DeriveForm, GroupForm, ImportForm, RubricForm
from rubrics.models import LANGUAGE_CODES, Rubric
from rubrics.selectors import (
    criterion_get,
    group_get,
    rubric_draft_for_user,
    rubric_list,
    rubric_sections,
    rubric_version_for_user,
    rubric_versions,
    rubrics_check_edit,
    rubrics_check_version,
    rubrics_check_view,
    user_can_edit_draft,
    user_can_edit_rubrics,
    user_can_version,
)


def _version_url(rubric: Rubric, name: str = "rubrics:rubric_version") -> str:
    return reverse(name, kwargs={"slug": rubric.slug, "version": rubric.version})


def _refusals_redirect(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn a refused change into a message and a redirect instead of a server error.

    A draft may be published in another tab (or by staff) between loading a form and sending
    it, and a draft a project already points at cannot be deleted; both are ordinary events.
    """

    @wraps(view)
    def wrapper(request: AuthedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RubricLocked as exc:
            messages.error(request, str(exc))
            return redirect(_version_url(exc.rubric))
        except RubricInUse as exc:
            messages.error(request, str(exc))
            return redirect(_version_url(exc.rubric, "rubrics:rubric_edit"))

    return wrapper


def _derive_suffix(request: AuthedHttpRequest) -> str:
    """What a copy's slug is prefilled with after the original's: the user's name, as a slug."""
    return slugify(request.user.get_username()) or "copy"


def _problems(rubric: Rubric) -> list[str]:
    """What stands between a draft and publishing, in the words of the file checks."""
    try:
        definition_check(rubric_definition(rubric=rubric), source="")
    except RubricFileError as exc:
        return exc.problems
    return []


@require_GET
def rubric_list_view(request: AuthedHttpRequest) -> HttpResponse:
    rubrics_check_view(user=request.user)
    can_edit = user_can_edit_rubrics(user=request.user)
    return render(
        request,
        "rubrics/rubric_list.html",
        {"rubrics": rubric_list(include_drafts=can_edit), "can_edit": can_edit},
    )


@require_GET
def rubric_detail(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    """A rubric's address without a version leads to its newest version the caller may see."""
    rubrics_check_view(user=request.user)
    can_edit = user_can_edit_rubrics(user=request.user)
    latest = rubric_versions(slug=slug, include_drafts=can_edit).first()
    if latest is None:
        raise Http404
    return redirect(_version_url(latest))


@require_GET
def rubric_version(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    rubric = rubric_version_for_user(slug=slug, version=version, user=request.user)
    language = request.GET.get("lang")
    if language not in LANGUAGE_CODES:
        language = request.LANGUAGE_CODE if request.LANGUAGE_CODE in LANGUAGE_CODES else "en"
    can_edit = user_can_edit_rubrics(user=request.user)
    can_edit_draft = user_can_edit_draft(user=request.user, rubric=rubric)
    can_version = user_can_version(
        user=request.user, versions=list(rubric_versions(slug=slug, include_drafts=True))
    )
    return render(
        request,
        "rubrics/rubric_detail.html",
        {
            "rubric": rubric,
            "sections": rubric_sections(rubric=rubric),
            "versions": rubric_versions(slug=slug, include_drafts=can_edit),
            "lang": language,
            "can_edit": can_edit,
            "can_edit_draft": can_edit_draft,
            "can_version": can_version,
            "derive_form": DeriveForm(rubric=rubric, suffix=_derive_suffix(request))
            if can_edit and rubric.is_published and not can_version
            else None,
            "problems": _problems(rubric) if can_edit_draft else [],
        },
    )


@require_GET
def rubric_export(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    rubric = rubric_version_for_user(slug=slug, version=version, user=request.user)
    response = HttpResponse(
        definition_dump(rubric_definition(rubric=rubric)),
        content_type="application/yaml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{rubric.slug}-v{rubric.version}.yaml"'
    return response


@require_http_methods(["GET", "POST"])
def rubric_create(request: AuthedHttpRequest) -> HttpResponse:
    rubrics_check_edit(user=request.user)
    form = RubricForm(request.POST or None, initial={"languages": list(LANGUAGE_CODES)})
    if request.method == "POST" and form.is_valid():
        try:
            rubric = services.rubric_draft_create(
                slug=form.cleaned_data["slug"], user=request.user, **form.values()
            )
        except services.RubricConflict as exc:
            form.add_error("slug", str(exc))
        else:
            messages.success(request, _("Draft created. Now add its criteria."))
            return redirect(_version_url(rubric, "rubrics:rubric_edit"))
    return render(request, "rubrics/rubric_form.html", {"form": form, "rubric": None})


@require_http_methods(["GET", "POST"])
@_refusals_redirect
def rubric_edit(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    form = RubricForm(request.POST or None, rubric=rubric)
    if request.method == "POST" and form.is_valid():
        services.rubric_update(rubric=rubric, **form.values())
        messages.success(request, _("Saved."))
        return redirect(_version_url(rubric, "rubrics:rubric_edit"))
    return render(
        request,
        "rubrics/rubric_edit.html",
        {
            "form": form,
            "rubric": rubric,
            "sections": rubric_sections(rubric=rubric),
            "problems": _problems(rubric),
        },
    )


@require_POST
def rubric_new_version(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    rubrics_check_version(user=request.user, slug=slug)
    rubric = rubric_version_for_user(slug=slug, version=version, user=request.user)
    draft = services.rubric_new_version(rubric=rubric, user=request.user)
    if not user_can_edit_draft(user=request.user, rubric=draft):
        # The rubric already had a draft, someone else's: it is theirs to finish.
        messages.info(
            request,
            _(
                "Version %(version)s is already a draft that someone else is editing; only "
                "they or staff can change it."
            )
            % {"version": draft.version},
        )
        return redirect(_version_url(draft))
    messages.success(
        request,
        _("You are editing version %(version)s, a draft copy.") % {"version": draft.version},
    )
    return redirect(_version_url(draft, "rubrics:rubric_edit"))


@require_http_methods(["GET", "POST"])
def rubric_derive(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    """A copy of a published version as the caller's own rubric, to version and use freely."""
    rubrics_check_edit(user=request.user)
    rubric = rubric_version_for_user(slug=slug, version=version, user=request.user)
    if not rubric.is_published:
        raise Http404
    form = DeriveForm(request.POST or None, rubric=rubric, suffix=_derive_suffix(request))
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.rubric_derive(
                rubric=rubric, slug=form.cleaned_data["slug"], name=form.name(), user=request.user
            )
        except services.RubricConflict as exc:
            form.add_error("slug", str(exc))
        except RubricFileError as exc:
            for problem in exc.problems:
                form.add_error(None, problem)
        else:
            messages.success(
                request,
                _(
                    "Your copy of %(slug)s version %(version)s is ready. Use it in your "
                    'projects, or change it with "Edit as a new version".'
                )
                % {"slug": rubric.slug, "version": rubric.version},
            )
            return redirect(_version_url(copy))
    return render(request, "rubrics/rubric_derive.html", {"form": form, "rubric": rubric})


@require_POST
@_refusals_redirect
def rubric_publish(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    try:
        services.rubric_publish(rubric=rubric, actor=request.user)
    except RubricFileError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect(_version_url(rubric, "rubrics:rubric_edit"))
    messages.success(request, _("Published. This version can no longer change."))
    return redirect(_version_url(rubric))


@require_POST
@_refusals_redirect
def rubric_delete(request: AuthedHttpRequest, slug: str, version: int) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    services.rubric_draft_delete(rubric=rubric, actor=request.user)
    messages.success(request, _("The draft was deleted."))
    return redirect("rubrics:rubric_list")


@require_http_methods(["GET", "POST"])
def rubric_import(request: AuthedHttpRequest) -> HttpResponse:
    rubrics_check_edit(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            outcome = services.rubric_import_text(
                text=upload.read(),
                source=upload.name,
                user=request.user,
                draft=form.cleaned_data["draft"],
            )
        except RubricFileError as exc:
            problems = [f"{exc.source}: {problem}" for problem in exc.problems]
        except services.RubricConflict as exc:
            problems = [str(exc)]
        else:
            if outcome.created:
                messages.success(request, _("The rubric was imported."))
            else:
                messages.info(request, _("This version was already here; nothing changed."))
            return redirect(_version_url(outcome.rubric))
    return render(request, "rubrics/rubric_import.html", {"form": form, "problems": problems})


@require_http_methods(["GET", "POST"])
@_refusals_redirect
def group_edit(
    request: AuthedHttpRequest, slug: str, version: int, group_id: int | None = None
) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    group = group_get(rubric=rubric, group_id=group_id) if group_id is not None else None
    form = GroupForm(request.POST or None, rubric=rubric, group=group)
    return _part_form(
        request,
        rubric=rubric,
        part="group",
        form=form,
        save=lambda values: services.group_save(rubric=rubric, group=group, **values),
        saved=_("Group saved."),
    )


@require_POST
@_refusals_redirect
def group_delete(
    request: AuthedHttpRequest, slug: str, version: int, group_id: int
) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    services.group_delete(group=group_get(rubric=rubric, group_id=group_id))
    messages.success(request, _("Group removed; its criteria are kept without a group."))
    return redirect(_version_url(rubric, "rubrics:rubric_edit"))


@require_http_methods(["GET", "POST"])
@_refusals_redirect
def criterion_edit(
    request: AuthedHttpRequest, slug: str, version: int, criterion_id: int | None = None
) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    criterion = (
        criterion_get(rubric=rubric, criterion_id=criterion_id)
        if criterion_id is not None
        else None
    )
    form = CriterionForm(request.POST or None, rubric=rubric, criterion=criterion)
    return _part_form(
        request,
        rubric=rubric,
        part="criterion",
        form=form,
        save=lambda values: services.criterion_save(rubric=rubric, criterion=criterion, **values),
        saved=_("Criterion saved."),
    )


def _part_form(
    request: AuthedHttpRequest,
    *,
    rubric: Rubric,
    part: str,
    form: GroupForm | CriterionForm,
    save: Callable[[dict[str, Any]], object],
    saved: str,
) -> HttpResponse:
    """A group's or a criterion's form: saved and back to the draft when valid, else shown."""
    if request.method == "POST" and form.is_valid():
        save(form.values())
        messages.success(request, saved)
        return redirect(_version_url(rubric, "rubrics:rubric_edit"))
    return render(request, "rubrics/part_form.html", {"form": form, "rubric": rubric, "part": part})


@require_POST
@_refusals_redirect
def criterion_delete(
    request: AuthedHttpRequest, slug: str, version: int, criterion_id: int
) -> HttpResponse:
    rubric = rubric_draft_for_user(slug=slug, version=version, user=request.user)
    services.criterion_delete(criterion=criterion_get(rubric=rubric, criterion_id=criterion_id))
    messages.success(request, _("Criterion removed."))
    return redirect(_version_url(rubric, "rubrics:rubric_edit"))
