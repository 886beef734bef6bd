"""CounselChat questions whose answers arrive in more than one upload are stored once."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Role
from dialogues.models import Candidate, ImportBatch, Session, SourcePreference
from tests.dialogues.importing import run_import
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

HEADER = [
    "",
    "questionID",
    "questionTitle",
    "questionText",
    "questionLink",
    "topic",
    "therapistInfo",
    "therapistURL",
    "answerText",
    "upvotes",
    "views",
    "split",
]
QUESTION = ("0", "Can I stop feeling worthless?", "I barely sleep and feel worthless.")
OTHER = ("1", "Why am I so anxious at work?", "My chest gets tight before meetings.")


def _csv(*answers: tuple[tuple[str, str, str], str, int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row, ((question_id, title, text), answer, upvotes) in enumerate(answers):
        writer.writerow(
            [row, question_id, title, text, "https://counselchat.com/q", "depression",
             "Jane Example, LCSW", "https://counselchat.com/t/jane", answer, upvotes, 10, "train"]
        )  # fmt: skip
    return out.getvalue().encode()


def _answers(session: Session) -> dict[str, str]:
    return dict(
        Candidate.objects.filter(session=session).order_by("key").values_list("key", "text")
    )


def test_a_question_split_across_two_uploads_is_stored_once_with_every_answer() -> None:
    project = ProjectFactory()
    first = run_import(
        project,
        [
            (
                "part1.csv",
                _csv((QUESTION, "Worth is not earned.", 3), (QUESTION, "Sleep first.", 1)),
            )
        ],
    )
    assert first.status == ImportBatch.Status.IMPORTED

    second = run_import(
        project,
        [
            (
                "part2.csv",
                _csv(
                    (QUESTION, "Sleep first.", 1),
                    (QUESTION, "Write down what you did well today.", 5),
                    (OTHER, "Breathe slowly before the meeting.", 2),
                ),
            )
        ],
    )

    assert second.status == ImportBatch.Status.IMPORTED, second.errors
    question = Session.objects.get(project=project, source_id="0")
    assert _answers(question) == {
        "answer-1": "Worth is not earned.",
        "answer-2": "Sleep first.",
        "answer-3": "Write down what you did well today.",
    }
    # The new answer is preferred over both older ones, by upvotes.
    preferences = {
        (p.chosen.key, p.rejected.key) for p in SourcePreference.objects.filter(session=question)
    }
    assert preferences == {
        ("answer-1", "answer-2"),
        ("answer-3", "answer-1"),
        ("answer-3", "answer-2"),
    }
    assert second.sessions_created == 1  # the other question
    assert second.candidates_created == 2  # one new answer, and the other question's
    assert second.left_out == {"counselchat_answers_known": 1}
    assert [entry["session_id"] for entry in second.duplicate_report] == [question.pk]
    assert second.duplicate_report[0]["answers_added"] == 1
    page = Client()
    page.force_login(member(project, Role.LEAD))
    html = page.get(reverse("dialogues:batch_detail", args=[second.pk])).content.decode()
    assert "1 new answer added to" in html

    again = run_import(
        project,
        [("all.csv", _csv((QUESTION, "Write down what you did well today.", 5)))],
    )
    assert again.sessions_created == again.candidates_created == 0
    assert again.duplicates == 1
    assert Session.objects.filter(project=project).count() == 2
