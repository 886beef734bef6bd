"""Saving export specifications, from the browser's form or the API (which fills the same form,
so both apply the same checks)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.audit import AuditAction, audit_record
from exports.forms import SpecificationForm
from exports.models import ExportSpecification


def specification_create(*, form: SpecificationForm, user: Any) -> ExportSpecification:
    """Save a valid form's specification and record it in each project's audit log."""
    if not form.is_valid():
        raise ValueError("specification_create needs a valid form")
    with transaction.atomic():
        specification = form.save(commit=False)
        specification.created_by = user
        specification.save()
        form.save_m2m()
        for project in specification.projects.all():
            audit_record(
                actor=user,
                action=AuditAction.EXPORT_SPECIFICATION_CREATE,
                obj=specification,
                project=project,
                after={"name": specification.name, "kind": specification.kind},
            )
    return specification
