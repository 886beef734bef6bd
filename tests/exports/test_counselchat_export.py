"""End to end: a CounselChat file imported, reviewed, approved and exported never carries the
therapists' names or profile URLs into any exported file."""

from pathlib import Path

import pytest

from core.models import Role
from dialogues.models import Candidate, Session
from exports.models import ExportVersion
from review.models import Item
from tests.dialogues.importing import run_import
from tests.exports.records import ExportSpecificationFactory, published_rubric, reviewers
from tests.factories import ProjectFactory, member

FIXTURE = Path(__file__).parents[1] / "dialogues" / "fixtures" / "counselchat.csv"
PRIVATE = (
    "Jane Example",
    "John Sample",
    "Ann Person",
    "LCSW",
    "LMFT",
    "counselchat.com/therapists",
    "jane-example",
    "therapistInfo",
    "therapistURL",
)


def _review_and_approve(project, sessions):
    """Each session scored by two reviewers and approved, and a judged pair of its first two
    answers where it has two (what the review app's services produce)."""
    from tests.exports.records import approved_pair, approved_session

    rubric = published_rubric()
    people = reviewers()
    for session in sessions:
        item = approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [3, 3], "structure": [3, 3]},
        )
        # approved_session makes its own session; point the item at the imported one.
        Item.objects.filter(pk=item.pk).update(session=session)
        answers = list(Candidate.objects.filter(session=session).order_by("pk")[:2])
        if len(answers) == 2:
            pair = approved_pair(project=project, people=people, choices=["a", "a"])
            client_turns = [t for t in session.turns.order_by("index") if t.speaker == "client"]
            Item.objects.filter(pk=pair.pk).update(
                session=session,
                candidate_a=answers[0],
                candidate_b=answers[1],
                turn_index=client_turns[0].index + 1,
            )


@pytest.fixture
def imported(db):
    project = ProjectFactory(slug="counselchat")
    lead = member(project, Role.LEAD, "lead")
    batch = run_import(project, [("counselchat.csv", FIXTURE.read_bytes())])
    sessions = list(Session.objects.filter(batch=batch).order_by("pk"))
    assert len(sessions) >= 2
    _review_and_approve(project, sessions)
    return project, lead


def test_no_therapist_name_or_url_reaches_an_exported_file(imported, build, folder_of):
    project, lead = imported
    specification = ExportSpecificationFactory(
        projects=[project],
        kind="dpo",
        dpo_sources=["pairwise", "imported"],
        formats=["parquet", "jsonl"],
    )

    version = build(specification, lead)

    assert version.status == ExportVersion.Status.BUILT, version.error
    assert sum(c["rows"] for c in version.counts.values()) >= 1
    files = [p for p in folder_of(version).rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"README.md", "manifest.json"}
    # Parquet is compressed; the JSON Lines copies hold the same rows as plain UTF-8.
    everything = b"".join(p.read_bytes() for p in files)
    assert b"I barely sleep and keep thinking I am worthless" in everything
    for private in PRIVATE:
        assert private.encode() not in everything, private


def test_sessions_without_counselor_turns_give_a_clear_sft_refusal(imported, build):
    project, lead = imported

    version = build(ExportSpecificationFactory(projects=[project], kind="sft"), lead)

    assert version.status == ExportVersion.Status.FAILED
    assert "give no training row" in version.error
    assert "exported as DPO pairs" in version.error
