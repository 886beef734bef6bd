"""Expanding uploaded archives (.zip, .tar, .tar.gz, .tgz) safely into a batch's folder.

An archive is untrusted: members may try to climb out of the target folder, be links, or
expand to far more than the upload's size. Only regular files are written, under the target.
"""

from __future__ import annotations

import shutil
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
# Files that archiving tools add and nobody means to import.
_JUNK_PARTS = ("__MACOSX",)
_JUNK_NAMES = (".DS_Store", "Thumbs.db")


class ArchiveError(Exception):
    """The archive cannot be read; the message names it and says why."""


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def _member_path(name: str) -> PurePosixPath | None:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    if any(part in _JUNK_PARTS for part in parts) or parts[-1] in _JUNK_NAMES:
        return None
    if parts[-1].startswith("._"):
        return None
    return PurePosixPath(*parts)


def archive_expand(*, path: Path, target: Path) -> list[str]:
    """Write the archive's regular files under ``target``; their relative names, sorted."""
    limit = getattr(settings, "IMPORT_MAX_EXPANDED_BYTES", 20 * 1024**3)
    name = path.name
    target.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    total = 0
    try:
        if name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    member = _member_path(info.filename)
                    if info.is_dir() or member is None:
                        continue
                    total += info.file_size
                    if total > limit:
                        raise ArchiveError(_too_big(name, limit))
                    out = target / member
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as source, out.open("wb") as sink:
                        shutil.copyfileobj(source, sink, 1024 * 1024)
                    written.append(member.as_posix())
        else:
            with tarfile.open(path, mode="r:*") as tar:
                for entry in tar:
                    member = _member_path(entry.name)
                    if not entry.isfile() or member is None:
                        continue
                    total += entry.size
                    if total > limit:
                        raise ArchiveError(_too_big(name, limit))
                    out = target / member
                    out.parent.mkdir(parents=True, exist_ok=True)
                    extracted = tar.extractfile(entry)
                    if extracted is None:
                        continue
                    with extracted, out.open("wb") as sink:
                        shutil.copyfileobj(extracted, sink, 1024 * 1024)
                    written.append(member.as_posix())
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise ArchiveError(
            _("%(file)s: the archive is damaged or truncated (%(error)s)")
            % {"file": name, "error": str(error) or type(error).__name__}
        ) from None
    return sorted(written)


def _too_big(name: str, limit: int) -> str:
    return _("%(file)s: the archive expands to more than %(size)d MB") % {
        "file": name,
        "size": limit // 1024**2,
    }
