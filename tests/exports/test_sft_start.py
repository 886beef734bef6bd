"""SFT rows that would open with a counselor turn (ESConv, some CPsyCoun sessions): chat
templates that require the user to speak first refuse them, so a specification may start each
row at the first client turn, and the card says which rule was applied."""

import pytest

from core.models import Role
from exports.items import ExportKind, SftMode, SftStart, Turn, item_examples
from exports.models import ExportVersion
from tests.exports.factories import SftSessionFactory
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member

OPENING = [
    Turn("counselor", "Welcome, what brings you here today?"),
    Turn("counselor", "Take your time."),
    Turn("client", "I cannot sleep before exams."),
    Turn("counselor", "What goes through your mind at night?"),
]


def _roles(example) -> list[str]:
    return [message["role"] for message in example.data["messages"]]


@pytest.mark.parametrize("mode", list(SftMode))
def test_rows_start_at_the_first_client_turn_when_asked(mode):
    session = SftSessionFactory(turns=OPENING)

    rows = list(
        item_examples(
            item=session, kind=ExportKind.SFT, sft_mode=mode, sft_start=SftStart.FIRST_CLIENT
        )
    )

    (row,) = rows
    assert _roles(row) == ["user", "assistant"]
    assert row.data["messages"][0]["content"] == "I cannot sleep before exams."
    if mode is SftMode.TURN:
        assert row.provenance["turn_index"] == 3  # still the turn's place in the session


def test_rows_keep_the_sources_opening_by_default():
    session = SftSessionFactory(turns=OPENING)

    (row,) = item_examples(item=session, kind=ExportKind.SFT, sft_mode=SftMode.SESSION)

    assert _roles(row) == ["assistant", "assistant", "user", "assistant"]


def test_a_system_prompt_stays_first():
    session = SftSessionFactory(turns=OPENING, system_prompt="You are a counselor.")

    (row,) = item_examples(
        item=session,
        kind=ExportKind.SFT,
        sft_mode=SftMode.SESSION,
        sft_start=SftStart.FIRST_CLIENT,
    )

    assert _roles(row) == ["system", "user", "assistant"]


@pytest.fixture
def project(db):
    return ProjectFactory(slug="clinic")


def test_the_card_and_manifest_say_which_start_rule_was_applied(project, build, folder_of):
    lead = member(project, Role.LEAD, "lead")
    rubric = published_rubric()
    people = reviewers()
    for n in range(6):
        approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [3, 3], "structure": [3, 3]},
            turns=[
                ("counselor", f"Hello, welcome ({n})."),
                ("client", f"I feel stuck at work ({n})."),
                ("counselor", "Tell me more."),
            ],
        )
    specification = ExportSpecificationFactory(
        projects=[project], kind="sft", sft_start="first_client"
    )

    version = build(specification, lead)

    assert version.status == ExportVersion.Status.BUILT, version.error
    assert version.manifest["specification"]["sft_start"] == "first_client"
    card = (folder_of(version) / "README.md").read_text("utf-8")
    assert "start at the first client turn" in card
