"""Pages of the dialogues app: importing, batches, the session list and a session."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.buckets import allowed_locations
from core.http import AuthedHttpRequest
from core.models import Project, Role
from core.selectors import project_get_for_user, projects_for_user
from core.spreadsheets import csv_response
from core.uploads import streams_uploads
from dialogues import selectors
from dialogues.forms import BucketImportForm, ImportForm, SessionFilterForm
from dialogues.models import ImportBatch
from dialogues.services.bucket_imports import import_batch_create_from_bucket
from dialogues.services.imports import (
    ImportRequestError,
    Upload,
    import_batch_create,
    import_batch_start,
)

SESSIONS_PER_PAGE = 50


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def metadata_items(metadata: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """(key, "dict" | "list" | "text", value) for the metadata panel, one level deep."""
    items: list[tuple[str, str, Any]] = []
    for key, value in metadata.items():
        if isinstance(value, dict):
            items.append((key, "dict", [(k, _plain(v)) for k, v in value.items()]))
        elif isinstance(value, list):
            items.append((key, "list", [_plain(v) for v in value]))
        elif value not in (None, ""):
            items.append((key, "text", _plain(value)))
    return items


def _lead_project(request: AuthedHttpRequest) -> tuple[Project, Any]:
    """The project named by ?project= (or the first the caller leads), for its leads only."""
    slug = request.GET.get("project") or request.POST.get("project") or ""
    if slug:
        project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
    else:
        first = projects_for_user(user=request.user, roles=[Role.LEAD]).first()
        if first is None:
            raise PermissionDenied
        project = first
    return project, projects_for_user(user=request.user, roles=[Role.LEAD])


def _query_without_page(request: AuthedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
def session_list(request: AuthedHttpRequest) -> HttpResponse:
    project, led = _lead_project(request)
    form = SessionFilterForm(
        request.GET or None, choices=selectors.session_filter_choices(project=project)
    )
    sessions = selectors.session_list(project=project, filters=form.filters())
    page = Paginator(sessions.select_related("batch"), SESSIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    template = "dialogues/session_list.html"
    if request.headers.get("HX-Request"):
        template += "#session-results"
    return render(
        request,
        template,
        {
            "project": project,
            "projects": led,
            "form": form,
            "page": page,
            "query": _query_without_page(request),
            "search_building": selectors.search_pending(project=project),
        },
    )


@require_GET
def session_detail(request: AuthedHttpRequest, session_id: int) -> HttpResponse:
    session = selectors.session_get_for_user(session_id=session_id, user=request.user)
    # Turn and candidate texts are escaped and their flags marked by the |highlight filter.
    detail = selectors.session_detail(session=session)
    return render(
        request,
        "dialogues/session_detail.html",
        {
            "session": session,
            "project": session.project,
            "metadata": metadata_items(session.metadata),
            **detail,
        },
    )


def _uploads(request: AuthedHttpRequest) -> list[Upload]:
    uploads = [Upload(f.name or "upload", f) for f in request.FILES.getlist("files")]
    folder = request.FILES.getlist("folder")
    # Browsers send only the base name of a folder's files; the page's script adds each file's
    # path inside the folder, which formats such as CPsyCounE need (the topic is the folder).
    paths = request.POST.getlist("folder_paths")
    if len(paths) != len(folder):
        paths = [f.name or "upload" for f in folder]
    uploads.extend(Upload(path or "upload", f) for path, f in zip(paths, folder, strict=True))
    return uploads


def _import_page(
    request: AuthedHttpRequest,
    project: Project,
    led: Any,
    form: ImportForm,
    bucket_form: BucketImportForm,
) -> HttpResponse:
    return render(
        request,
        "dialogues/import.html",
        {
            "project": project,
            "projects": led,
            "form": form,
            "bucket_form": bucket_form,
            "bucket_locations": allowed_locations(),
        },
        status=400 if form.errors or bucket_form.errors else 200,
    )


@require_POST
def import_from_bucket(request: AuthedHttpRequest) -> HttpResponse:
    project, led = _lead_project(request)
    bucket_form = BucketImportForm(request.POST)
    if bucket_form.is_valid():
        try:
            batch = import_batch_create_from_bucket(
                project=project,
                user=request.user,
                location=bucket_form.cleaned_data["location"],
                format_name=bucket_form.cleaned_data["format"],
                skip_invalid=bucket_form.cleaned_data["skip_invalid"],
            )
        except ImportRequestError as error:
            bucket_form.add_error("location", str(error))
        else:
            import_batch_start(batch=batch, user=request.user)
            return redirect("dialogues:batch_detail", batch_id=batch.pk)
    return _import_page(request, project, led, ImportForm(), bucket_form)


@streams_uploads
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthedHttpRequest) -> HttpResponse:
    project, led = _lead_project(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = import_batch_create(
                project=project,
                user=request.user,
                uploads=_uploads(request),
                format_name=form.cleaned_data["format"],
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
        except ImportRequestError as error:
            form.add_error(None, str(error))
        else:
            import_batch_start(batch=batch, user=request.user)
            return redirect("dialogues:batch_detail", batch_id=batch.pk)
    return _import_page(request, project, led, form, BucketImportForm())


@require_GET
def batch_list(request: AuthedHttpRequest) -> HttpResponse:
    project, led = _lead_project(request)
    page = Paginator(selectors.batches_for_project(project=project), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dialogues/batch_list.html",
        {"project": project, "projects": led, "page": page, "query": f"project={project.slug}"},
    )


def _batch_context(batch: ImportBatch) -> dict[str, Any]:
    job = batch.job
    running = batch.status in (ImportBatch.Status.PENDING, ImportBatch.Status.RUNNING)
    return {
        "batch": batch,
        "project": batch.project,
        "job": job,
        # Poll while the batch may still change; a job that ended stops it even if the worker
        # died before it could mark the batch.
        "polling": running and (job is None or not job.is_finished),
        "errors_shown": batch.errors[:100],
        "duplicates_shown": batch.duplicate_report[:100],
    }


@require_GET
def batch_detail(request: AuthedHttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.batch_get_for_user(batch_id=batch_id, user=request.user)
    return render(request, "dialogues/batch_detail.html", _batch_context(batch))


@require_GET
def batch_summary(request: AuthedHttpRequest, batch_id: int) -> HttpResponse:
    """The polled fragment of the batch page; it stops polling once the batch has ended."""
    batch = selectors.batch_get_for_user(batch_id=batch_id, user=request.user)
    return render(request, "dialogues/batch_detail.html#batch-summary", _batch_context(batch))


@require_GET
def batch_errors(request: AuthedHttpRequest, batch_id: int) -> HttpResponseBase:
    batch = selectors.batch_get_for_user(batch_id=batch_id, user=request.user)
    return csv_response(
        rows=selectors.batch_errors_rows(batch=batch), filename=f"import-{batch.pk}-errors.csv"
    )


__all__ = [
    "batch_detail",
    "batch_errors",
    "batch_list",
    "batch_summary",
    "import_from_bucket",
    "import_upload",
    "session_detail",
    "session_list",
]
