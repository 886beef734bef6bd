"""Exporting to a bucket prefix: a lead copies an approved version to a training team's bucket.

The files are streamed from the exports storage to ``<prefix>/<name>-v<n>/`` of the bucket the
lead named (an operator-allowed location, core.buckets), data first and ``manifest.json`` last, so
a reader of the bucket that finds the manifest finds every file it lists, with the checksums it
lists. Each copy is an audit event in every project of the export, like a download.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import storage
from core.audit import AuditAction, audit_record
from core.buckets import BucketLocation, bucket_location_parse, bucket_write
from exports.manifest import MANIFEST_NAME
from exports.models import ExportVersion
from exports.services.agreement import ExportRefused
from exports.services.downloads import archive_name, export_file_key


def export_version_to_bucket(*, version: ExportVersion, user: Any, location: str) -> str:
    """Copy the approved version under ``location``; the location of the copy (s3://...)."""
    if not version.is_downloadable:
        raise ExportRefused(
            _("Only an approved version can be copied to a bucket (this one is %(s)s).")
            % {"s": version.get_status_display()}
        )
    where = bucket_location_parse(text=location)
    folder = archive_name(version=version).removesuffix(".zip")
    target = BucketLocation(bucket=where.bucket, prefix=where.key(folder))
    exports = storage.exports_storage()
    names = [entry["path"] for entry in version.manifest.get("files", [])] + [MANIFEST_NAME]
    for name in names:
        key = export_file_key(version=version, name=name)
        bucket_write(location=target, name=name, blocks=storage.blocks(exports, key))
    with transaction.atomic():
        for project in version.specification.projects.all():
            audit_record(
                actor=user,
                action=AuditAction.EXPORT_TO_BUCKET,
                obj=version,
                project=project,
                after={"location": target.uri, "version": version.number, "files": len(names)},
            )
    return target.uri
