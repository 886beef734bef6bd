"""Export pages: list, new specification, specification, version (progress, summary,
approval, downloads) and comparison. Access is checked by exports.selectors on every view."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.buckets import BucketRefused, allowed_locations
from core.http import AuthedHttpRequest
from core.models import Role
from core.selectors import projects_for_user
from exports.forms import SpecificationForm
from exports.models import ExportVersion
from exports.selectors import (
    specification_get_for_user,
    specifications_managed_by,
    user_reads_exports,
    version_get_for_user,
    versions_for_user,
    versions_of,
)
from exports.services import specifications
from exports.services.agreement import ExportRefused
from exports.services.building import export_version_approve, export_version_start
from exports.services.curation_rules import REVIEWER_FLAG_REASON
from exports.services.diff import version_diff
from exports.services.downloads import (
    archive_name,
    archive_stream,
    download_record,
    export_file_key,
    export_file_names,
    export_file_response,
)
from exports.services.pushes import export_version_to_bucket_start


@require_GET
def export_list(request: AuthedHttpRequest) -> HttpResponse:
    if not user_reads_exports(user=request.user):
        raise PermissionDenied
    led = projects_for_user(user=request.user, roles=[Role.LEAD])
    return render(
        request,
        "exports/export_list.html",
        {
            "specifications": specifications_managed_by(user=request.user),
            "versions": versions_for_user(user=request.user).filter(
                status=ExportVersion.Status.APPROVED
            ),
            "can_create": led.exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def specification_create(request: AuthedHttpRequest) -> HttpResponse:
    led = projects_for_user(user=request.user, roles=[Role.LEAD])
    if not led.exists():
        raise PermissionDenied
    form = SpecificationForm(request.POST or None, led=led)
    if request.method == "POST" and form.is_valid():
        specification = specifications.specification_create(form=form, user=request.user)
        messages.success(request, _("The specification was saved. Build its first version now."))
        return redirect("exports:specification_detail", specification_id=specification.pk)
    return render(request, "exports/specification_form.html", {"form": form})


@require_GET
def specification_detail(request: AuthedHttpRequest, specification_id: int) -> HttpResponse:
    specification = specification_get_for_user(specification_id=specification_id, user=request.user)
    versions = versions_of(specification=specification)
    return render(
        request,
        "exports/specification_detail.html",
        {"specification": specification, "versions": versions},
    )


@require_POST
def version_build(request: AuthedHttpRequest, specification_id: int) -> HttpResponse:
    specification = specification_get_for_user(specification_id=specification_id, user=request.user)
    try:
        version = export_version_start(specification=specification, user=request.user)
    except ExportRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("exports:specification_detail", specification_id=specification.pk)
    messages.success(request, _("Building version %(n)d.") % {"n": version.number})
    return redirect("exports:version_detail", version_id=version.pk)


def _reason_label(reason: str) -> str:
    """A left-out reason as curation records it (English, in the stored summary), for the
    reader in their language."""
    fixed = {
        "language or source": _("language or source format not chosen"),
        "open crisis or PII flag": _("open crisis or PII flag"),
        "too few reviewers": _("too few reviewers"),
        "cannot become a training row": _("cannot become a training row"),
        "no clear preference": _("no clear preference"),
        REVIEWER_FLAG_REASON: _(
            "crisis or PII flag raised by a reviewer (reviewer flags cannot be cleared)"
        ),
    }
    if reason in fixed:
        return fixed[reason]
    what, below, bar = reason.rpartition(" below ")[0], " below ", reason.rpartition(" below ")[2]
    if below in reason and what:
        label = _("total") if what == "total" else what
        return _("%(what)s below %(bar)s") % {"what": label, "bar": bar}
    return reason


def _version_context(version: ExportVersion, manages: bool) -> dict[str, object]:
    others = (
        versions_of(specification=version.specification)
        .exclude(pk=version.pk)
        .filter(status__in=[ExportVersion.Status.BUILT, ExportVersion.Status.APPROVED])
        if manages
        else []
    )
    files = export_file_names(version=version) if version.manifest else []
    return {
        "version": version,
        "specification": version.specification,
        "manages": manages,
        "bucket_locations": allowed_locations() if manages else [],
        "others": others,
        "files": files,
        "summary": version.summary,
        "left_out": [
            (_reason_label(reason), count)
            for reason, count in (version.summary.get("left_out") or {}).items()
        ],
        "splits": [
            (split, counts) for split, counts in (version.split_report.get("splits") or {}).items()
        ],
        "samples": [
            (split, [json.dumps(row, ensure_ascii=False, indent=2) for row in rows])
            for split, rows in (version.summary.get("samples") or {}).items()
        ],
    }


@require_GET
def version_detail(request: AuthedHttpRequest, version_id: int) -> HttpResponse:
    version, manages = version_get_for_user(version_id=version_id, user=request.user)
    return render(request, "exports/version_detail.html", _version_context(version, manages))


@require_GET
def version_progress(request: AuthedHttpRequest, version_id: int) -> HttpResponse:
    """The polled build fragment; once the build has ended the whole page reloads to show it."""
    version, _manages = version_get_for_user(version_id=version_id, user=request.user, manage=True)
    response = render(
        request,
        "exports/version_detail.html#version-progress",
        _version_context(version, True),
    )
    if version.status != ExportVersion.Status.BUILDING and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_POST
def version_approve(request: AuthedHttpRequest, version_id: int) -> HttpResponse:
    version, _manages = version_get_for_user(version_id=version_id, user=request.user, manage=True)
    try:
        export_version_approve(version=version, user=request.user)
    except ExportRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Version %(n)d is approved: trainers can download it now.") % {"n": version.number},
        )
    return redirect("exports:version_detail", version_id=version.pk)


@require_POST
def version_to_bucket(request: AuthedHttpRequest, version_id: int) -> HttpResponse:
    version, _manages = version_get_for_user(version_id=version_id, user=request.user, manage=True)
    try:
        uri, job = export_version_to_bucket_start(
            version=version, user=request.user, location=request.POST.get("location", "")
        )
    except (BucketRefused, ExportRefused) as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            _("Version %(n)d is being copied to %(location)s.")
            % {"n": version.number, "location": uri},
        )
        return redirect("core:job_detail", job_id=job.pk)
    return redirect("exports:version_detail", version_id=version.pk)


def _downloadable(request: AuthedHttpRequest, version_id: int) -> ExportVersion:
    version, _manages = version_get_for_user(version_id=version_id, user=request.user)
    if not version.is_downloadable:
        raise PermissionDenied
    return version


@require_GET
def version_archive(request: AuthedHttpRequest, version_id: int) -> StreamingHttpResponse:
    version = _downloadable(request, version_id)
    name = archive_name(version=version)
    download_record(version=version, user=request.user, what=name, via="browser")
    response = StreamingHttpResponse(
        archive_stream(version=version), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def version_file(request: AuthedHttpRequest, version_id: int, name: str) -> HttpResponseBase:
    version = _downloadable(request, version_id)
    key = export_file_key(version=version, name=name)
    download_record(version=version, user=request.user, what=name, via="browser")
    return export_file_response(version=version, name=name, key=key)


@require_GET
def version_compare(request: AuthedHttpRequest, version_id: int) -> HttpResponse:
    version, _manages = version_get_for_user(version_id=version_id, user=request.user, manage=True)
    other_id = request.GET.get("with", "")
    other = None
    if other_id.isdigit():
        other, _other_manages = version_get_for_user(
            version_id=int(other_id), user=request.user, manage=True
        )
    if other is None or other.specification_id != version.specification_id:
        messages.error(request, _("Pick another built version of the same specification."))
        return redirect("exports:version_detail", version_id=version.pk)
    if not (version.manifest and other.manifest):
        messages.error(request, _("Both versions must be built before they can be compared."))
        return redirect("exports:version_detail", version_id=version.pk)
    old, new = sorted((version, other), key=lambda v: v.number)
    return render(
        request,
        "exports/version_compare.html",
        {"diff": version_diff(old=old, new=new), "specification": version.specification},
    )
