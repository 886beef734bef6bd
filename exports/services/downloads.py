"""Serving an approved export: its files one by one, or one zip archive written as it streams.

Only files the manifest lists (and the manifest itself) can be asked for, so a crafted name
can never reach outside the export folder. Every download is an audit event in each of the
export's projects. Files are read from the exports storage (core.storage) a block at a time;
with ``EXPORT_DOWNLOAD=presigned`` and a bucket, a file download is answered, after the same
access check and audit event, with a redirect to a short-lived URL of the bucket instead.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase

from core import storage
from core.audit import AuditAction, audit_record
from exports.manifest import MANIFEST_NAME
from exports.models import ExportVersion

BLOCK = 1 << 20


def export_file_names(*, version: ExportVersion) -> list[str]:
    return sorted([entry["path"] for entry in version.manifest.get("files", [])] + [MANIFEST_NAME])


def export_file_key(*, version: ExportVersion, name: str) -> str:
    """The stored key of one of the version's files; 404 for a name the manifest does not list
    or a file that is not (or no longer) stored."""
    if name not in export_file_names(version=version):
        raise Http404
    key = f"{version.folder}/{name}"
    if not storage.exports_storage().exists(key):
        raise Http404
    return key


def export_file_response(*, version: ExportVersion, name: str, key: str) -> HttpResponseBase:
    """One file of the version, for a caller already checked and audited."""
    exports = storage.exports_storage()
    filename = PurePosixPath(name).name
    if settings.EXPORT_DOWNLOAD == "presigned":
        url = storage.presigned_url(
            exports, key, filename=filename, seconds=settings.EXPORT_PRESIGNED_SECONDS
        )
        if url is not None:
            return HttpResponseRedirect(url)
    path = storage.local_path(exports, key)
    if path is not None:
        # The same media type as from a bucket below (and as the API schema says), whatever
        # the file's name would make Django guess.
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/octet-stream",
        )
    response = StreamingHttpResponse(
        storage.blocks(exports, key, size=BLOCK), content_type="application/octet-stream"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    sizes = {entry["path"]: entry.get("bytes") for entry in version.manifest.get("files", [])}
    if sizes.get(name) is not None:
        response["Content-Length"] = str(sizes[name])
    return response


def archive_name(*, version: ExportVersion) -> str:
    slug = "".join(c if c.isalnum() or c in "-_" else "-" for c in version.specification.name)
    return f"{slug.strip('-') or 'export'}-v{version.number}.zip"


class _Sink(io.RawIOBase):
    """An unseekable stream that hands over what zipfile wrote since the last drain."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def archive_stream(*, version: ExportVersion) -> Iterator[bytes]:
    """The export folder as a zip, produced block by block (memory stays at a block or two).

    Entries carry the build time, not the download time, so every download of a version is
    the same archive.
    """
    built = version.built_at or version.created_at
    stamp = built.timetuple()[:6]
    root = archive_name(version=version).removesuffix(".zip")
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name in export_file_names(version=version):
            info = zipfile.ZipInfo(f"{root}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            key = export_file_key(version=version, name=name)
            with archive.open(info, "w", force_zip64=True) as target:
                for block in storage.blocks(storage.exports_storage(), key, size=BLOCK):
                    target.write(block)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


def download_record(*, version: ExportVersion, user: Any, what: str, via: str) -> None:
    """One audit event per project of the export: who downloaded which file, and how."""
    with transaction.atomic():
        for project in version.specification.projects.all():
            audit_record(
                actor=user,
                action=AuditAction.EXPORT_DOWNLOAD,
                obj=version,
                project=project,
                after={"file": what, "via": via, "version": version.number},
            )
