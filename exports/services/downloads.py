"""Serving an approved export: its files one by one, or one zip archive written as it streams.

Only files the manifest lists (and the manifest itself) can be asked for, so a crafted name
can never reach outside the export folder. Every download is an audit event in each of the
export's projects.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.http import Http404

from core.audit import AuditAction, audit_record
from exports.manifest import MANIFEST_NAME
from exports.models import ExportVersion

BLOCK = 1 << 20


def export_file_names(*, version: ExportVersion) -> list[str]:
    return sorted([entry["path"] for entry in version.manifest.get("files", [])] + [MANIFEST_NAME])


def export_file_path(*, version: ExportVersion, name: str) -> Path:
    if name not in export_file_names(version=version):
        raise Http404
    path = version.path / name
    if not path.is_file():
        raise Http404
    return path


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
            with (
                export_file_path(version=version, name=name).open("rb") as source,
                archive.open(info, "w", force_zip64=True) as target,
            ):
                for block in iter(lambda: source.read(BLOCK), b""):
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
