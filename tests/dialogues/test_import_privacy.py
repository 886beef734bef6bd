"""CounselChat names real therapists: neither the database nor the stored upload may keep them."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from core import storage
from dialogues.models import Candidate, Flag, ImportBatch, Session
from dialogues.services.imports import batch_dir
from tests.dialogues.importing import run_import
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage_backend")]

HEADER = (
    ",questionID,questionTitle,questionText,questionLink,topic,therapistInfo,therapistURL,"
    "answerText,upvotes,views,split\n"
)
SIGNED = (
    HEADER
    + '0,7,Why do I feel empty?,"Most days I feel nothing at all.",https://counselchat.com/q/7,'
    'depression,"Robin Landwehr, DBH, LPCC",https://counselchat.com/therapists/robin-landwehr,'
    '"Feeling nothing can be a way of coping. Be well...Robin Landwehr, DBH, LPCC",2,30,train\n'
    '1,7,Why do I feel empty?,"Most days I feel nothing at all.",https://counselchat.com/q/7,'
    'depression,"Laura Cassity, LMSW, LMACAffiliated",https://counselchat.com/therapists/lc,'
    '"It may be tied to the trauma.\nBest Wishes. Laura Cassity, LMSW, LMAC",0,12,train\n'
)
PRIVATE = ("therapistInfo", "therapistURL", "counselchat.com/therapists", "LMACAffiliated")


def _stored_names(batch: ImportBatch) -> list[str]:
    """The batch's files in the uploads storage (the local disk or the bucket)."""
    keys = storage.keys_under(storage.uploads_storage(), batch.upload_path)
    return [key.rsplit("/", 1)[-1] for key in keys]


def _stored_bytes(batch: ImportBatch) -> bytes:
    # The stored upload and the worker's folder for the batch: no copy may keep the columns.
    uploads = storage.uploads_storage()
    stored = b"".join(
        b"".join(storage.blocks(uploads, key))
        for key in storage.keys_under(uploads, batch.upload_path)
    )
    local = sorted(path for path in batch_dir(batch).rglob("*") if path.is_file())
    return stored + b"".join(path.read_bytes() for path in local)


def test_a_signed_answer_is_flagged_with_the_signature_name() -> None:
    batch = run_import(ProjectFactory(), [("counsel.csv", SIGNED.encode())])

    assert batch.status == ImportBatch.Status.IMPORTED
    flags = Flag.objects.filter(candidate__isnull=False, category="name").order_by("matched_text")
    assert [(flag.kind, flag.matched_text) for flag in flags] == [
        ("pii", "Laura Cassity"),
        ("pii", "Robin Landwehr"),
    ]
    assert set(flags.values_list("candidate__key", flat=True)) == {"answer-1", "answer-2"}


def test_the_stored_upload_keeps_no_therapist_column_but_the_batch_keeps_its_checksum() -> None:
    data = SIGNED.encode()

    batch = run_import(ProjectFactory(), [("counsel.csv", data)])

    assert _stored_names(batch) == ["counsel.csv"]
    stored = _stored_bytes(batch).decode()
    for private in PRIVATE:
        assert private not in stored
    # The rest of the file is still there, readable as CSV with its other columns.
    assert stored.startswith(",questionID,questionTitle,questionText,questionLink,topic,answerText")
    assert "Feeling nothing can be a way of coping" in stored
    assert batch.sha256 == hashlib.sha256(data).hexdigest()
    assert batch.files[0]["size"] == len(data)
    assert "therapistInfo" in batch.files[0]["stored"]
    # The same file uploaded again is still seen as the same content.
    again = run_import(batch.project, [("counsel.csv", data)])
    assert (again.sha256, again.sessions_created, again.duplicates) == (batch.sha256, 0, 1)
    # Nothing in the database holds the columns either.
    session = Session.objects.get(batch=batch)
    rows = [str(session.metadata), *Candidate.objects.values_list("text", "metadata")]
    for private in PRIVATE:
        assert private not in str(rows)


def test_a_rejected_counselchat_upload_is_scrubbed_too() -> None:
    broken = SIGNED + '2,8,,"",https://x,topic,"Ann Person, LMFT",https://t/ann,"",1,1,train\n'

    batch = run_import(ProjectFactory(), [("counsel.csv", broken.encode())])

    assert batch.status == ImportBatch.Status.REJECTED
    assert Session.objects.count() == 0
    assert _stored_names(batch) == ["counsel.csv"]
    stored = _stored_bytes(batch).decode()
    assert "Ann Person" not in stored
    assert "https://t/ann" not in stored


def test_an_archive_holding_counselchat_is_not_kept() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("counsel/answers.csv", SIGNED)

    batch = run_import(ProjectFactory(), [("answers.zip", buffer.getvalue())])

    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 1
    assert b"Robin" not in _stored_bytes(batch)
    assert "answers.zip" not in _stored_names(batch)
    assert batch.files[0]["stored"].startswith("deleted")
