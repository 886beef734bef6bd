"""The import service: all or nothing, idempotent, clear errors, every row where it belongs."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.audit import AuditEvent
from dialogues.importers import (
    CandidateRecord,
    Importer,
    Location,
    PreferenceRecord,
    RatingRecord,
    RecordIssue,
    SessionRecord,
    TurnRecord,
)
from dialogues.models import (
    Candidate,
    Flag,
    ImportBatch,
    Session,
    SourcePreference,
    SourceRating,
    Turn,
)
from dialogues.screening import Hit
from dialogues.services import import_files, import_writer, imports
from tests.dialogues.importing import EXAM, SLEEP, conversation, jsonl, run_import
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _table_counts() -> dict[str, int]:
    models = (Session, Turn, Candidate, SourcePreference, SourceRating, Flag)
    return {model.__name__: model.objects.count() for model in models}


def test_a_file_becomes_sessions_with_normalised_turns_and_detected_language() -> None:
    project = ProjectFactory()
    messy = conversation(
        ("system", "You are a counselor."),
        ("client", "I  can't\r\nsleep  "),
        ("counselor", "What keeps you awake?"),
    )
    batch = run_import(project, [("chats.jsonl", jsonl(EXAM, SLEEP, messy))])

    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.records_total, batch.sessions_created, batch.duplicates, batch.invalid) == (
        3,
        3,
        0,
        0,
    )
    assert batch.format == "messages"
    exam, sleep, third = Session.objects.filter(batch=batch).order_by("pk")
    assert (exam.source_id, exam.topic, exam.language, exam.turn_count) == (
        "exam-1",
        "study",
        "en",
        2,
    )
    assert sleep.language == "zh"
    assert third.source_id == "chats.jsonl#3"
    assert list(third.turns.values_list("index", "speaker", "text")) == [
        (0, "system", "You are a counselor."),
        (1, "client", "I can't\nsleep"),
        (2, "counselor", "What keeps you awake?"),
    ]
    event = AuditEvent.objects.get(action="dialogues.import")
    assert event.project == project
    assert event.after["created"] == 3


def test_the_same_content_again_creates_nothing_and_reports_the_duplicates() -> None:
    project = ProjectFactory()
    first = run_import(project, [("a.jsonl", jsonl(EXAM, SLEEP))])
    before = _table_counts()
    # The same conversations with other line endings and spacing are the same content.
    again = jsonl(
        conversation(
            ("client", "I keep thinking I will  fail my exams.\r\n"),
            ("counselor", "What goes through your mind when you sit down to study?"),
        ),
        SLEEP,
    )
    second = run_import(project, [("b.jsonl", again)])

    assert second.status == ImportBatch.Status.IMPORTED
    assert (second.sessions_created, second.duplicates) == (0, 2)
    assert _table_counts() == before
    originals = set(Session.objects.filter(batch=first).values_list("pk", flat=True))
    assert {entry["session_id"] for entry in second.duplicate_report} == originals
    # Another project is another collection: the same content goes in there.
    elsewhere = run_import(ProjectFactory(), [("a.jsonl", jsonl(EXAM, SLEEP))])
    assert elsewhere.sessions_created == 2


def test_duplicates_inside_one_upload_are_stored_once(monkeypatch) -> None:
    monkeypatch.setattr(imports, "CHUNK_SESSIONS", 2)
    project = ProjectFactory()
    batch = run_import(
        project, [("a.jsonl", jsonl(EXAM, EXAM, SLEEP, EXAM)), ("b.jsonl", jsonl(SLEEP))]
    )
    assert (batch.sessions_created, batch.duplicates) == (2, 3)
    assert Session.objects.filter(project=project).count() == 2
    assert {(d["file"], d["record"]) for d in batch.duplicate_report} == {
        ("a.jsonl", 2),
        ("a.jsonl", 4),
        ("b.jsonl", 1),
    }


BAD_RECORDS = jsonl(
    EXAM,
    "{not json",
    {"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": 5}]},
    {"messages": [{"role": "therapist", "content": "Hi"}]},
    {"messages": []},
    {"messages": "hello"},
    SLEEP,
)


def test_one_invalid_record_rejects_the_batch_and_every_problem_is_named() -> None:
    project = ProjectFactory()
    batch = run_import(project, [("mixed.jsonl", BAD_RECORDS)])

    assert batch.status == ImportBatch.Status.REJECTED
    assert _table_counts() == dict.fromkeys(_table_counts(), 0)
    assert batch.sessions_created == 0
    assert batch.invalid == 5
    by_line = {error["line"]: error for error in batch.errors}
    assert set(by_line) == {2, 3, 4, 5, 6}
    assert all(error["file"] == "mixed.jsonl" for error in batch.errors)
    assert "not valid JSON" in by_line[2]["message"]
    assert by_line[3]["field"] == "messages[1].content"
    assert by_line[4]["field"] == "messages[0].role"
    assert "therapist" in by_line[4]["message"]
    assert "empty" in by_line[5]["message"]
    assert by_line[6]["field"] == "messages"


def test_skip_invalid_imports_the_valid_records_and_keeps_the_report() -> None:
    project = ProjectFactory()
    batch = run_import(project, [("mixed.jsonl", BAD_RECORDS)], skip_invalid=True)
    assert batch.status == ImportBatch.Status.IMPORTED
    assert (batch.records_total, batch.sessions_created, batch.invalid) == (7, 2, 5)
    assert len(batch.errors) == 5
    assert set(Session.objects.values_list("source_id", flat=True)) == {"exam-1", "sleep-1"}


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "latin1.jsonl",
            jsonl(EXAM) + b'{"messages": [{"role": "user", "content": "caf\xe9"}]}\n',
            "line 2: bytes that are not UTF-8",
        ),
        ("empty.jsonl", b"", "the file is empty"),
        ("blank.jsonl", b"\n  \n", "the file is empty"),
        ("notes.txt", b"just some notes\n", "could not recognise the format; expected one of"),
        ("table.csv", b"question,answer\nhi,hello\n", "could not recognise the format"),
    ],
)
def test_unreadable_files_are_rejected_naming_the_file(
    name: str, data: bytes, expected: str
) -> None:
    batch = run_import(ProjectFactory(), [("good.jsonl", jsonl(EXAM)), (name, data)])
    assert batch.status == ImportBatch.Status.REJECTED
    assert Session.objects.count() == 0
    (error,) = batch.errors
    assert error["file"] == name
    assert error["field"] == "(file)"
    assert expected in error["message"]
    assert name in error["message"]


def test_a_file_of_the_wrong_format_for_the_chosen_format_says_so() -> None:
    batch = run_import(
        ProjectFactory(),
        [("cactus.json", b'[{"cbt_technique": "Reframing", "dialogue": "Counselor: Hi"}]')],
        format_name="messages",
    )
    assert batch.status == ImportBatch.Status.REJECTED
    hint, record = batch.errors
    assert hint["file"] == "cactus.json"
    assert "does not look like OpenAI / TRL messages" in hint["message"]
    assert "detected: cactus" in hint["message"]
    assert (record["record"], record["field"]) == (1, "messages")
    assert batch.invalid == 1


def _parquet(columns: dict[str, list]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("format_name", ["", "psychocounsel"])
def test_a_parquet_file_missing_columns_is_rejected_naming_them(format_name: str) -> None:
    data = _parquet({"question": ["I feel low."], "chosen": ["That sounds hard."]})
    batch = run_import(ProjectFactory(), [("pairs.parquet", data)], format_name=format_name)
    assert batch.status == ImportBatch.Status.REJECTED
    assert Session.objects.count() == 0
    messages = " ".join(error["message"] for error in batch.errors)
    assert "pairs.parquet" in messages
    if format_name:
        assert "rejected" in messages  # the missing column, named by the importer
    else:
        # Detection cannot say which format was meant; the columns the file has are the clue.
        assert "its columns are: question, chosen" in messages
        assert "PAR1" not in messages


def test_an_unrecognised_csv_file_is_rejected_naming_its_columns() -> None:
    data = b'\xef\xbb\xbfprompt,reply,score\n"I feel low.","That sounds hard.",3\n'

    batch = run_import(ProjectFactory(), [("answers.csv", data)])

    assert batch.status == ImportBatch.Status.REJECTED
    [error] = batch.errors
    assert error["file"] == "answers.csv"
    assert error["field"] == "(file)"
    assert "answers.csv: could not recognise the format" in error["message"]
    assert error["message"].endswith("its columns are: prompt, reply, score")


def test_an_unknown_format_name_is_refused_before_anything_is_stored() -> None:
    with pytest.raises(imports.ImportRequestError, match="unknown format 'nonsense'"):
        run_import(ProjectFactory(), [("a.jsonl", jsonl(EXAM))], format_name="nonsense")
    assert ImportBatch.objects.count() == 0


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar_gz(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "pack"), [("upload.zip", _zip), ("upload.tar.gz", _tar_gz)])
def test_an_archive_of_many_files_is_one_batch(name, pack) -> None:
    data = pack(
        {
            "chats/en/exam.jsonl": jsonl(EXAM),
            "chats/zh/sleep.jsonl": jsonl(SLEEP),
            "__MACOSX/chats/._exam.jsonl": b"\x00\x05junk",
            "../escape.jsonl": jsonl(conversation(("client", "outside"))),
        }
    )
    batch = run_import(ProjectFactory(), [(name, data)])
    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 2
    assert set(Session.objects.values_list("source_id", flat=True)) == {"exam-1", "sleep-1"}
    assert batch.files == [{"name": name, "sha256": batch.sha256, "size": len(data)}]


@pytest.mark.parametrize(("name", "pack"), [("cut.zip", _zip), ("cut.tar.gz", _tar_gz)])
def test_a_truncated_archive_is_rejected_naming_it(name, pack) -> None:
    data = pack({f"part{i}.jsonl": jsonl(EXAM) * 50 for i in range(3)})
    batch = run_import(ProjectFactory(), [(name, data[: len(data) // 2])])
    assert batch.status == ImportBatch.Status.REJECTED
    assert Session.objects.count() == 0
    assert any(
        name in e["message"] and "damaged or truncated" in e["message"] for e in batch.errors
    )


class PairImporter(Importer):
    """A stand-in format with candidates, ratings and a preference, as PsychoCounsel has."""

    format = "pairs"
    label = "test pairs"
    extensions = (".pairs",)

    def read(self, *, path: Path, display_name: str) -> Iterator[SessionRecord | RecordIssue]:
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            question, good, bad = line.split("|")
            yield SessionRecord(
                location=Location(display_name, number, number),
                turns=[TurnRecord("client", question)],
                candidates=[
                    CandidateRecord(key="chosen", text=good, turn_index=1, model_name="m-1"),
                    CandidateRecord(key="rejected", text=bad, turn_index=1, model_name="m-2"),
                ],
                ratings=[
                    RatingRecord(
                        criterion="empathy", score=5, rater="judge", candidate_key="chosen"
                    ),
                    RatingRecord(
                        criterion="empathy", score=2, rater="judge", candidate_key="rejected"
                    ),
                ],
                preferences=[
                    PreferenceRecord(
                        chosen_key="chosen", rejected_key="rejected", provenance="test set"
                    )
                ],
            )


@pytest.fixture
def pairs_format(monkeypatch):
    monkeypatch.setattr(import_files, "format_detect", lambda **kwargs: "pairs")
    monkeypatch.setattr(import_files, "importer_for", lambda name: PairImporter())


def test_candidates_ratings_and_preferences_are_kept_with_their_provenance(pairs_format) -> None:
    project = ProjectFactory()
    data = (
        b"I feel alone.|That sounds lonely.|Cheer up.\nI feel alone.|You are not alone.|Cheer up.\n"
    )
    batch = run_import(project, [("set.pairs", data)])

    # The same question with a different pair is a different item, not a duplicate.
    assert (batch.sessions_created, batch.candidates_created, batch.duplicates) == (2, 4, 0)
    session = Session.objects.filter(project=project).order_by("pk").first()
    chosen, rejected = session.candidates.order_by("key")
    assert (chosen.key, chosen.text, chosen.model_name, chosen.turn_index) == (
        "chosen",
        "That sounds lonely.",
        "m-1",
        1,
    )
    preference = SourcePreference.objects.get(session=session)
    assert (preference.chosen, preference.rejected, preference.provenance) == (
        chosen,
        rejected,
        "test set",
    )
    assert {
        (r.candidate_id, r.score, r.rater) for r in SourceRating.objects.filter(session=session)
    } == {
        (chosen.pk, 5.0, "judge"),
        (rejected.pk, 2.0, "judge"),
    }


def test_screening_hits_become_flags_on_their_turn_and_response(monkeypatch, pairs_format) -> None:
    def screen(text: str):
        start = text.find("alone")
        if start < 0:
            return []
        return [imports_hit("crisis", "suicidal", start, start + 5, "alone")]

    monkeypatch.setattr(import_writer, "screen_many", lambda texts: [screen(t) for t in texts])
    batch = run_import(
        ProjectFactory(), [("set.pairs", b"I feel alone.|You are not alone.|Cheer up.\n")]
    )
    assert batch.flags_created == 2
    on_turn = Flag.objects.get(turn__isnull=False)
    assert (on_turn.turn.index, on_turn.speaker, on_turn.matched_text, on_turn.start) == (
        0,
        "client",
        "alone",
        7,
    )
    on_candidate = Flag.objects.get(candidate__isnull=False)
    assert (on_candidate.candidate.key, on_candidate.speaker) == ("chosen", "counselor")
    assert on_candidate.status == Flag.Status.OPEN


def imports_hit(kind: str, category: str, start: int, end: int, text: str) -> Hit:
    return Hit(kind, category, start, end, text, "test-rules")


def test_a_crash_midway_writes_nothing_and_the_batch_can_run_again(monkeypatch) -> None:
    monkeypatch.setattr(imports, "CHUNK_SESSIONS", 1)
    project = ProjectFactory()
    batch = imports.import_batch_create(
        project=project,
        user=None,
        uploads=[imports.Upload("a.jsonl", io.BytesIO(jsonl(EXAM, SLEEP)))],
    )
    real_write = import_writer.SessionWriter.write
    calls = []

    def failing_write(self, chunk):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(self, chunk)

    monkeypatch.setattr(import_writer.SessionWriter, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        imports.import_batch_run(batch_id=batch.pk)
    assert _table_counts() == dict.fromkeys(_table_counts(), 0)

    monkeypatch.setattr(import_writer.SessionWriter, "write", real_write)
    outcome = imports.import_batch_run(batch_id=batch.pk)
    assert outcome.sessions_created == 2
    # Running a finished batch again is harmless.
    assert imports.import_batch_run(batch_id=batch.pk).sessions_created == 2
    assert Session.objects.count() == 2
