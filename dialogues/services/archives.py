"""Expanding uploaded archives (.zip, .tar, .tar.gz, .tgz) safely into a batch's folder.

An archive is untrusted: members may try to climb out of the target folder, be links, or
expand to far more than the upload's size. Only regular files are written, under the target;
the bytes written are counted as they stream (never trusting the sizes the archive declares)
against a total and a compression-ratio limit, and a member is not expanded past its first
block unless a format recognises that block.
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from dialogues.importers.registry import HEAD_BYTES, UnknownFormat, format_detect

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
# Files that archiving tools add and nobody means to import.
_JUNK_PARTS = ("__MACOSX",)
_JUNK_NAMES = (".DS_Store", "Thumbs.db")


class ArchiveError(ApplicationError):
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


# Bytes of a member written before its format is checked: as much as detection looks at.
_HEAD_BYTES = HEAD_BYTES
# The ratio applies past this much output: a tiny archive of a small file may compress far
# better than any real dataset without being a bomb.
_RATIO_FLOOR = 1024 * 1024
_BLOCK = 1024 * 1024
# Formats read from their end (Parquet's footer): a partial copy cannot be recognised.
_NOT_SNIFFED_EARLY = (".parquet",)


class _Budget:
    """What the archive may still expand to: the total limit and the compression ratio."""

    def __init__(self, *, name: str, compressed: int) -> None:
        self.name = name
        self.limit = settings.IMPORT_MAX_EXPANDED_BYTES
        self.ratio = settings.IMPORT_MAX_EXPANSION_RATIO
        self.ratio_limit = max(self.ratio * compressed, _RATIO_FLOOR)
        self.total = 0

    def spend(self, size: int) -> None:
        self.total += size
        if self.total > self.limit:
            raise ArchiveError(_too_big(self.name, self.limit))
        if self.total > self.ratio_limit:
            raise ArchiveError(
                _(
                    "%(file)s: the archive expands to more than %(ratio)d times its size "
                    "(IMPORT_MAX_EXPANSION_RATIO); it looks like an archive bomb"
                )
                % {"file": self.name, "ratio": self.ratio}
            )


def _member_copy(source: IO[bytes], out: Path, budget: _Budget) -> None:
    """Copy one member, counting every byte actually written (never the size it declares).

    Once the first block is on disk, a member that no format recognises is not expanded
    further: its start is enough for the import to say so, and a bomb of noise stops there.
    """
    head_checked = out.suffix.lower() in _NOT_SNIFFED_EARLY
    with out.open("wb") as sink:
        while True:
            block = source.read(_BLOCK if head_checked else _HEAD_BYTES)
            if not block:
                return
            budget.spend(len(block))
            sink.write(block)
            if not head_checked:
                head_checked = True
                sink.flush()
                try:
                    format_detect(path=out)
                except UnknownFormat:
                    return


def archive_expand(*, path: Path, target: Path) -> ArchiveContents:
    """Write the archive's regular files under ``target``; their relative names, sorted, and
    how many members were refused as unsafe.

    Stops with ArchiveError as soon as the output passes IMPORT_MAX_EXPANDED_BYTES or
    IMPORT_MAX_EXPANSION_RATIO times the archive's size; what was written stays for the caller
    to remove with the rest of the expanded folder.
    """
    name = path.name
    budget = _Budget(name=name, compressed=path.stat().st_size)
    target.mkdir(parents=True, exist_ok=True)
    contents = ArchiveContents()
    written = contents.files
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
                    out = target / member
                    out.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as source:
                        _member_copy(source, out, budget)
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
                    out = target / member
                    out.parent.mkdir(parents=True, exist_ok=True)
                    extracted = tar.extractfile(entry)
                    if extracted is None:
                        continue
                    with extracted:
                        _member_copy(extracted, out, budget)
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
