"""The pages: upload, batch summary, the session list with its search and filters, a session."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Role
from dialogues.models import Flag, ImportBatch, Session
from tests.conftest import client_for
from tests.dialogues.factories import CandidateFactory, FlagFactory, SessionFactory
from tests.dialogues.importing import EXAM, SLEEP, conversation, jsonl, run_import
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead():
    project = ProjectFactory(slug="clinic", name="Clinic")
    return member(project, Role.LEAD, "lead")


def _project():
    return ProjectFactory(slug="clinic")


def test_uploading_a_file_runs_the_import_and_shows_the_summary(
    lead, django_capture_on_commit_callbacks
) -> None:
    client = client_for(lead)
    upload = SimpleUploadedFile("chats.jsonl", jsonl(EXAM, SLEEP, EXAM))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dialogues:import_upload"), {"project": "clinic", "files": [upload]}
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dialogues:batch_detail", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-progress"' in page
    assert "Succeeded" in page
    assert '<dd class="count-created">2</dd>' in page
    assert '<dd class="count-duplicates">1</dd>' in page
    assert "every 1s" not in page.split('id="batch-summary"')[1].split(">")[0]
    assert f"batch={batch.pk}" in page


def test_a_folder_upload_keeps_the_paths_the_page_sends(
    lead, django_capture_on_commit_callbacks
) -> None:
    client = client_for(lead)
    files = [
        SimpleUploadedFile("a.jsonl", jsonl(EXAM)),
        SimpleUploadedFile("a.jsonl", jsonl(SLEEP)),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dialogues:import_upload"),
            {
                "project": "clinic",
                "folder": files,
                "folder_paths": ["set/en/a.jsonl", "set/zh/a.jsonl"],
            },
        )
    batch = ImportBatch.objects.get()
    assert [f["name"] for f in batch.files] == ["set/en/a.jsonl", "set/zh/a.jsonl"]
    assert batch.sessions_created == 2


def test_an_upload_without_files_is_refused_on_the_page(lead) -> None:
    response = client_for(lead).post(reverse("dialogues:import_upload"), {"project": "clinic"})
    assert response.status_code == 400
    assert "Choose at least one file to import." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_a_rejected_batch_lists_its_errors_and_offers_them_as_csv(lead) -> None:
    project = lead.memberships.get().project
    batch = run_import(
        project,
        [
            (
                "bad.jsonl",
                jsonl(EXAM, "=HYPERLINK(1)", {"messages": [{"role": "user", "content": 5}]}),
            )
        ],
    )
    client = client_for(lead)
    page = client.get(reverse("dialogues:batch_detail", args=[batch.pk])).content.decode()
    assert "2 invalid records: nothing was imported." in page
    assert "messages[0].content" in page
    response = client.get(reverse("dialogues:batch_errors", args=[batch.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["file", "line", "record", "field", "message"]
    assert rows[1][:3] == ["bad.jsonl", "2", "2"]
    assert "not valid JSON" in rows[1][4]
    assert rows[2][:4] == ["bad.jsonl", "3", "3", "messages[0].content"]


def test_session_list_searches_english_and_chinese_and_filters(lead) -> None:
    project = lead.memberships.get().project
    run_import(project, [("a.jsonl", jsonl(EXAM, SLEEP))])
    exam = Session.objects.get(source_id="exam-1")
    FlagFactory(session=exam)
    client = client_for(lead)
    url = reverse("dialogues:session_list")

    def ids(**params) -> set[str]:
        page = client.get(url, {"project": "clinic", **params}).context["page"]
        return {session.source_id for session in page.object_list}

    assert ids() == {"exam-1", "sleep-1"}
    assert ids(q="fail my exams") == {"exam-1"}
    assert ids(q="睡不着") == {"sleep-1"}
    assert ids(q="study") == {"exam-1"}  # the topic
    assert ids(language="zh") == {"sleep-1"}
    assert ids(topic="study") == {"exam-1"}
    assert ids(flags="open") == {"exam-1"}
    assert ids(flags="none") == {"sleep-1"}
    Flag.objects.update(status=Flag.Status.CLEARED)
    assert ids(flags="open") == set()
    assert ids(flags="any") == {"exam-1"}
    assert ids(batch=exam.batch_id, source="messages") == {"exam-1", "sleep-1"}
    assert ids(since="2999-01-01") == set()


def test_session_list_shows_open_flag_counts_and_paginates_keeping_filters(lead) -> None:
    project = lead.memberships.get().project
    sessions = [
        SessionFactory(project=project, topic="grief", turns=[("client", "x")]) for _ in range(51)
    ]
    FlagFactory.create_batch(3, session=sessions[-1])
    client = client_for(lead)
    response = client.get(
        reverse("dialogues:session_list"), {"project": "clinic", "topic": "grief"}
    )
    page = response.context["page"]
    assert page.paginator.count == 51
    assert len(page.object_list) == 50
    counts = {s.pk: s.open_flags for s in page.object_list}
    assert counts[sessions[-1].pk] == 3
    html = response.content.decode()
    assert "project=clinic&amp;topic=grief&amp;page=2" in html
    fragment = client.get(
        reverse("dialogues:session_list"), {"project": "clinic", "q": "x"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="session-results">')


def test_session_page_shows_the_chat_metadata_flags_and_candidates(lead) -> None:
    project = lead.memberships.get().project
    session = SessionFactory(
        project=project,
        turns=[("client", "I want to end my life."), ("counselor", "Thank you for telling me.")],
        metadata={
            "cbt_technique": "Decatastrophizing",
            "intake_form": {"age": 20},
            "patterns": ["labeling"],
        },
    )
    turn = session.turns.get(index=0)
    FlagFactory(
        session=session, turn=turn, speaker="client", start=10, end=21, matched_text="end my life"
    )
    CandidateFactory(session=session, key="chosen", text="I'm here with you.", model_name="gpt-x")
    page = (
        client_for(lead)
        .get(reverse("dialogues:session_detail", args=[session.pk]))
        .content.decode()
    )
    assert 'class="chat-turn speaker-client" id="turn-1"' in page
    assert 'class="chat-turn speaker-counselor" id="turn-2"' in page
    assert 'I want to <mark class="flag-crisis">end my life</mark>.' in page
    assert "Decatastrophizing" in page
    assert "labeling" in page
    assert "age" in page
    assert "I&#x27;m here with you." in page
    assert "gpt-x" in page


def test_imported_markup_is_shown_as_text(lead) -> None:
    project = lead.memberships.get().project
    hostile = conversation(
        ("client", "<script>alert('x')</script> hello"),
        ("counselor", '<img src=x onerror="alert(1)"> ok'),
        topic="<b>topic</b>",
    )
    run_import(project, [("x.jsonl", jsonl(hostile))])
    session = Session.objects.get()
    client = client_for(lead)
    page = client.get(reverse("dialogues:session_detail", args=[session.pk])).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; hello" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; ok" in page
    listing = client.get(reverse("dialogues:session_list"), {"project": "clinic"}).content.decode()
    assert "&lt;b&gt;topic&lt;/b&gt;" in listing
    assert "<b>topic</b>" not in listing


def test_reviewers_and_trainers_never_browse_sessions(lead) -> None:
    project = lead.memberships.get().project
    session = SessionFactory(project=project)
    for role in (Role.REVIEWER, Role.TRAINER):
        client = client_for(member(project, role))
        assert (
            client.get(reverse("dialogues:session_list"), {"project": "clinic"}).status_code == 403
        )
        assert client.get(reverse("dialogues:session_detail", args=[session.pk])).status_code == 403


# --- many files -----------------------------------------------------------------------------


def _folder(count: int) -> tuple[list[SimpleUploadedFile], list[str]]:
    files = [
        SimpleUploadedFile(
            f"{number}.jsonl",
            jsonl(conversation(("client", f"Session {number}: I feel tense."), id=f"f-{number}")),
        )
        for number in range(count)
    ]
    return files, [f"release/part-{number % 7}/{number}.jsonl" for number in range(count)]


def test_a_folder_of_hundreds_of_files_is_imported(
    lead, django_capture_on_commit_callbacks
) -> None:
    """CPsyCounD (3,084 files) and SmileChat are released as folders; Django refuses more than
    100 files in one request unless told otherwise."""
    files, paths = _folder(350)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lead).post(
            reverse("dialogues:import_upload"),
            {"project": "clinic", "folder": files, "folder_paths": paths},
        )
    assert response.status_code == 302, response.content[:300]
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.sessions_created, len(batch.files)) == ("imported", 350, 350)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "upload that archive instead"), ("zh-hans", "压缩")],
)
def test_more_files_than_the_limit_asks_for_an_archive_in_the_users_language(
    lead, settings, language, words
) -> None:
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 20
    files, paths = _folder(21)
    response = client_for(lead).post(
        reverse("dialogues:import_upload"),
        {"project": "clinic", "folder": files, "folder_paths": paths},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert words in page
    assert "20" in page
    assert ImportBatch.objects.count() == 0
