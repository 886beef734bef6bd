"""Export writers, one per file format, picked by name from :data:`WRITERS`."""

from exports.writers.base import ExportWriter, WrittenFile
from exports.writers.jsonl import JsonlWriter
from exports.writers.parquet import ParquetWriter

WRITERS: dict[str, type[ExportWriter]] = {
    writer.name: writer for writer in (ParquetWriter, JsonlWriter)
}


def writer_class(name: str) -> type[ExportWriter]:
    try:
        return WRITERS[name]
    except KeyError:
        known = ", ".join(sorted(WRITERS))
        raise ValueError(f"unknown export format {name!r} (known: {known})") from None


__all__ = ["WRITERS", "ExportWriter", "WrittenFile", "writer_class"]
