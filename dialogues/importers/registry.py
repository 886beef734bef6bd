"""The format registry and detection from content."""

from __future__ import annotations

import csv
import importlib
import io
from pathlib import Path

from django.utils.translation import gettext as _

from dialogues.importers.base import Importer

# Modules that register importers; detection tries formats in this order, so a format whose
# sniff is stricter comes before one that would also accept its files.
IMPORTER_MODULES = (
    "dialogues.importers.psychocounsel",
    "dialogues.importers.cactus_session",
    "dialogues.importers.cactus_eval",
    "dialogues.importers.cactus",
    "dialogues.importers.esconv",
    "dialogues.importers.psyqa",
    "dialogues.importers.cbt_qa",
    "dialogues.importers.instruction",
    "dialogues.importers.smilechat",
    "dialogues.importers.cpsycoun",
    "dialogues.importers.messages",
    "dialogues.importers.counselchat",
)

_REGISTRY: dict[str, type[Importer]] = {}
_loaded = False

HEAD_BYTES = 64 * 1024


class UnknownFormat(Exception):
    pass


def register(cls: type[Importer]) -> type[Importer]:
    if cls.format in _REGISTRY and _REGISTRY[cls.format] is not cls:
        raise ValueError(f"two importers claim the format {cls.format!r}")
    _REGISTRY[cls.format] = cls
    return cls


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in IMPORTER_MODULES:
            importlib.import_module(module)
        _loaded = True


def importer_formats() -> list[type[Importer]]:
    _load()
    return list(_REGISTRY.values())


def importer_for(format_name: str) -> Importer:
    _load()
    try:
        return _REGISTRY[format_name]()
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownFormat(
            _("unknown format %(name)r; known formats: %(known)s")
            % {"name": format_name, "known": known}
        ) from None


def _head(path: Path) -> str:
    with path.open("rb") as handle:
        raw = handle.read(HEAD_BYTES)
    return raw.decode("utf-8-sig", errors="replace")


def format_detect(*, path: Path, display_name: str | None = None) -> str:
    """The format of ``path`` judged from its content, or UnknownFormat saying what was seen."""
    _load()
    head = _head(path)
    for cls in _REGISTRY.values():
        if path.suffix.lower() in cls.extensions and cls.sniff(path=path, head=head):
            return cls.format
    expected = ", ".join(sorted(_REGISTRY))
    values = {"file": display_name or path.name, "expected": expected}
    columns = _columns(path, head)
    if columns is not None:
        # A table's start is bytes (Parquet) or a long header; its column names say more.
        raise UnknownFormat(
            _(
                "%(file)s: could not recognise the format; expected one of %(expected)s; "
                "its columns are: %(columns)s"
            )
            % {**values, "columns": ", ".join(name or "-" for name in columns) or "-"}
        )
    raise UnknownFormat(
        _(
            "%(file)s: could not recognise the format; expected one of %(expected)s; "
            "the file starts with: %(seen)r"
        )
        % {**values, "seen": " ".join(head[:160].split())}
    )


def _columns(path: Path, head: str) -> list[str] | None:
    """The column names of a Parquet file or of a CSV header; None for other files."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            import pyarrow.parquet as pq

            return list(pq.ParquetFile(path).schema_arrow.names)
        except Exception:  # not Parquet after all: the start of the file is the better clue
            return None
    if suffix == ".csv":
        try:
            header = next(csv.reader(io.StringIO(head.lstrip("\ufeff"))), None)
        except csv.Error:
            return None
        if not header or not any(header):
            return None
        return [name.strip() for name in header]
    return None
