"""What an import leaves out without failing a record is counted and shown in the batch report."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Role
from dialogues.models import Candidate, ImportBatch, Session
from tests.dialogues.importing import EXAM, jsonl, run_import
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db


def _tar_gz_with_unsafe_members() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = jsonl(EXAM)
        info = tarfile.TarInfo("chats/exam.jsonl")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        escape = tarfile.TarInfo("../../escape.jsonl")
        escape.size = len(data)
        archive.addfile(escape, io.BytesIO(data))
        link = tarfile.TarInfo("chats/passwd.jsonl")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    return buffer.getvalue()


def test_skipped_archive_members_and_empty_messages_are_counted_in_the_report() -> None:
    project = ProjectFactory(slug="clinic")
    chat = {
        "id": "quiet-1",
        "messages": [
            {"role": "assistant", "content": "How are you today?"},
            {"role": "user", "content": ""},
            {"role": "assistant", "content": "Take your time."},
            {"role": "user", "content": "I am tired."},
            {"role": "user", "content": "   "},
        ],
    }
    batch = run_import(
        project,
        [("chats.tar.gz", _tar_gz_with_unsafe_members()), ("quiet.jsonl", jsonl(chat))],
    )

    assert batch.status == ImportBatch.Status.IMPORTED
    assert batch.sessions_created == 2
    assert batch.left_out == {"archive_members_unsafe": 2, "empty_messages": 2}

    lead = member(project, Role.LEAD)
    page = Client()
    page.force_login(lead)
    html = page.get(reverse("dialogues:batch_detail", args=[batch.pk])).content.decode()
    assert "Archive members skipped (outside the folder, or links)" in html
    assert "Empty messages left out" in html
    api = APIClient()
    api.force_authenticate(lead)
    assert api.get(f"/api/imports/{batch.pk}/").json()["left_out"] == {
        "archive_members_unsafe": 2,
        "empty_messages": 2,
    }


def test_esconv_feedback_and_psyqa_has_label_are_kept_in_metadata() -> None:
    esconv = [
        {
            "emotion_type": "sadness",
            "problem_type": "breakup",
            "situation": "My partner left.",
            "dialog": [
                {"speaker": "seeker", "annotation": {}, "content": "My partner left me."},
                {
                    "speaker": "supporter",
                    "annotation": {"strategy": "Question"},
                    "content": "When did it happen?",
                },
                {
                    "speaker": "seeker",
                    "annotation": {"feedback": "4"},
                    "content": "Last week.",
                },
                {"speaker": "supporter", "content": "That is recent.", "feedback": "2"},
            ],
        }
    ]
    psyqa = [
        {
            "questionID": "q-1",
            "question": "如何走出失恋？",
            "description": "分手三个月了。",
            "keywords": "失恋",
            "answers": [
                {
                    "answer_text": "三个月还在想念是很正常的。",
                    "labels_sequence": [],
                    "has_label": False,
                },
                {"answer_text": "可以试着写下来。", "has_label": True},
            ],
        }
    ]
    batch = run_import(
        ProjectFactory(),
        [
            ("esconv.json", json.dumps(esconv).encode()),
            ("psyqa.json", json.dumps(psyqa, ensure_ascii=False).encode()),
        ],
    )

    assert batch.status == ImportBatch.Status.IMPORTED, batch.errors
    session = Session.objects.get(source_format="esconv")
    assert session.metadata["feedback"] == [
        {"turn": 2, "feedback": "4"},
        {"turn": 3, "feedback": "2"},
    ]
    answers = Candidate.objects.filter(session__source_format="psyqa").order_by("key")
    assert [answer.metadata.get("has_label") for answer in answers] == [False, True]
    assert batch.left_out == {}
