"""Expanding uploaded archives (.zip, .tar, .tar.gz, .tgz) safely into a batch's folder.

An archive is untrusted: members may try to climb out of the target folder, be links, or
expand to far more than the upload's size. Only regular files are written, under the target.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
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


@dataclass
class ArchiveContents:
    files: list[str] = field(default_factory=list)  # relative names written, sorted
    # Members not written because they would climb out of the folder or are links (or devices);
    # the batch report counts them. Packing junk (__MACOSX, .DS_Store) is not counted.
    unsafe: int = 0


_UNSAFE = "unsafe"


def _member_path(name: str) -> PurePosixPath | str | None:
    """The member's path under the target; ``_UNSAFE`` if it climbs out; None for junk."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return _UNSAFE
    if any(part in _JUNK_PARTS for part in parts) or parts[-1] in _JUNK_NAMES:
        return None
    if parts[-1].startswith("._"):
        return None
    return PurePosixPath(*parts)


def archive_expand(*, path: Path, target: Path) -> ArchiveContents:
    """Write the archive's regular files under ``target``; their relative names, sorted, and
    how many members were refused as unsafe."""
    limit = getattr(settings, "IMPORT_MAX_EXPANDED_BYTES", 20 * 1024**3)
    name = path.name
    target.mkdir(parents=True, exist_ok=True)
    contents = ArchiveContents()
    written = contents.files
    total = 0
    try:
        if name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    member = _member_path(info.filename)
                    if member is None:
                        continue
                    # A zip made on Unix keeps a symlink as a member whose mode says so and
                    # whose data is the link's target.
                    if member == _UNSAFE or stat.S_ISLNK(info.external_attr >> 16):
                        contents.unsafe += 1
                        continue
                    assert isinstance(member, PurePosixPath)
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
                    if entry.isdir():
                        continue
                    member = _member_path(entry.name)
                    if member is None:
                        continue
                    if member == _UNSAFE or not entry.isfile():
                        contents.unsafe += 1
                        continue
                    assert isinstance(member, PurePosixPath)
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
    written.sort()
    return contents


def _too_big(name: str, limit: int) -> str:
    return _("%(file)s: the archive expands to more than %(size)d MB") % {
        "file": name,
        "size": limit // 1024**2,
    }
