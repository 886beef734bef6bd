"""Hostile archives: a zip bomb is refused before it fills the disk, and nothing stays behind."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import storage
from dialogues.models import ImportBatch, Session
from dialogues.services.archives import ArchiveError, archive_expand
from dialogues.services.imports import batch_dir, upload_prefix
from tests.dialogues.importing import EXAM, jsonl, run_import
from tests.factories import ProjectFactory

# Stored files on both backends (tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]

MB = 1024 * 1024


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb(size: int) -> bytes:
    """A JSONL file that starts like one and then is spaces: it compresses about 1000 to 1."""
    return jsonl(EXAM) + b" " * size


def _written(folder) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_a_zip_bomb_is_refused_at_the_expansion_ratio(tmp_path, settings) -> None:
    settings.IMPORT_MAX_EXPANSION_RATIO = 20
    settings.IMPORT_MAX_EXPANDED_BYTES = 1024 * MB
    data = _zip({"a.jsonl": jsonl(EXAM), "bomb.jsonl": _bomb(40 * MB)})
    assert len(data) < 100_000
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(data)

    with pytest.raises(ArchiveError, match="more than 20 times"):
        archive_expand(path=archive, target=tmp_path / "out")
    # It stopped at the ratio, long before the 40 MB the member declares.
    assert _written(tmp_path / "out") <= 20 * len(data) + MB


def test_an_archive_past_the_total_limit_is_refused(tmp_path, settings) -> None:
    settings.IMPORT_MAX_EXPANSION_RATIO = 10_000
    settings.IMPORT_MAX_EXPANDED_BYTES = 2 * MB
    archive = tmp_path / "big.zip"
    archive.write_bytes(_zip({f"part{i}.jsonl": _bomb(MB) for i in range(4)}))

    with pytest.raises(ArchiveError, match="more than 2 MB"):
        archive_expand(path=archive, target=tmp_path / "out")
    assert _written(tmp_path / "out") <= 2 * MB


def test_a_member_of_no_known_format_is_not_expanded_past_its_start(tmp_path, settings) -> None:
    settings.IMPORT_MAX_EXPANSION_RATIO = 10_000
    archive = tmp_path / "mixed.zip"
    archive.write_bytes(_zip({"a.jsonl": jsonl(EXAM), "noise.jsonl": b"x" * (8 * MB)}))

    contents = archive_expand(path=archive, target=tmp_path / "out")

    assert contents.files == ["a.jsonl", "noise.jsonl"]
    assert (tmp_path / "out" / "noise.jsonl").stat().st_size <= 256 * 1024


def test_a_bomb_upload_is_rejected_and_leaves_no_expanded_files(settings) -> None:
    settings.IMPORT_MAX_EXPANSION_RATIO = 20
    batch = run_import(
        ProjectFactory(), [("bomb.zip", _zip({"a.jsonl": jsonl(EXAM), "b.jsonl": _bomb(40 * MB)}))]
    )
    assert batch.status == ImportBatch.Status.REJECTED
    assert any("more than 20 times" in error["message"] for error in batch.errors)
    assert Session.objects.count() == 0
    assert not (batch_dir(batch) / "expanded").exists()


def test_rejected_uploads_are_deleted_after_the_retention(settings) -> None:
    settings.IMPORT_REJECTED_RETENTION_DAYS = 7
    project = ProjectFactory()
    old = run_import(project, [("old.jsonl", jsonl(EXAM, "{oops"))])
    recent = run_import(project, [("recent.jsonl", jsonl(EXAM, "{oops"))])
    imported = run_import(project, [("good.jsonl", jsonl(EXAM))])
    ImportBatch.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    out = io.StringIO()

    call_command("imports_purge", stdout=out)

    uploads = storage.uploads_storage()
    assert storage.keys_under(uploads, upload_prefix(old)) == []
    assert storage.keys_under(uploads, upload_prefix(recent)) == [
        f"{upload_prefix(recent)}/recent.jsonl"
    ]
    assert storage.keys_under(uploads, upload_prefix(imported)) == [
        f"{upload_prefix(imported)}/good.jsonl"
    ]
    old.refresh_from_db()
    assert old.status == ImportBatch.Status.REJECTED
    assert old.errors  # the report stays
    assert "1 rejected upload(s) deleted" in out.getvalue()
