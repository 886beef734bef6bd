"""Session labels: the annotations a format carries, as ``kind:value``, on the session."""

from __future__ import annotations

import pytest

from dialogues.importers.base import labels_of
from dialogues.models import Session
from tests.dialogues.importing import run_import
from tests.dialogues.test_importers import FIXTURES, read
from tests.factories import ProjectFactory


@pytest.mark.parametrize(
    ("format_name", "path", "display_name", "labels"),
    [
        (
            "esconv",
            "esconv.json",
            None,
            [
                "emotion:anxiety",
                "problem:job crisis",
                "strategy:Question",
                "strategy:Reflection of feelings",
            ],
        ),
        ("cactus_eval", "cactus_eval.json", None, ["cbt:Alternative Perspective"]),
        ("cactus_session", "cactus_session.json", None, ["cbt:Decatastrophizing"]),
        (
            "cactus",
            "cactus.json",
            None,
            [
                "cbt:Decatastrophizing",
                "pattern:catastrophizing",
                "pattern:labeling and mislabeling",
            ],
        ),
        ("smilechat", "smilechat/12.json", "smilechat/12.json", ["annotation:情感反映"]),
        ("cpsycoune", "cpsycoune/婚恋/1.json", "cpsycoune/婚恋/1.json", ["topic:婚恋"]),
        ("messages", "messages.jsonl", None, []),
    ],
)
def test_each_format_fills_the_labels_it_carries(
    format_name: str, path: str, display_name: str | None, labels: list[str]
) -> None:
    sessions, issues = read(format_name, FIXTURES / path, display_name)

    assert issues == []
    assert sessions[0].labels == labels


def test_cactus_eval_keeps_every_ground_truth_technique_in_order() -> None:
    sessions, _issues = read("cactus_eval", FIXTURES / "cactus_eval.json")

    assert sessions[1].labels == ["cbt:Continuum Technique", "cbt:Alternative Perspective"]


def test_labels_are_unique_trimmed_and_skip_empty_values() -> None:
    assert labels_of(("strategy", ["Question", " Question ", "", None, "Self-disclosure"])) == [
        "strategy:Question",
        "strategy:Self-disclosure",
    ]
    assert len(labels_of(("cbt", ["x" * 300]))[0]) == 100


@pytest.mark.django_db
def test_labels_reach_the_session_row_and_its_page(client) -> None:
    from core.models import Role
    from tests.factories import member

    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    batch = run_import(project, [("esconv.json", (FIXTURES / "esconv.json").read_bytes())])

    session = Session.objects.get(batch=batch)
    assert session.labels[:2] == ["emotion:anxiety", "problem:job crisis"]
    client.force_login(lead)
    page = client.get(f"/sessions/{session.pk}/").content.decode()
    assert '<span class="badge">strategy:Reflection of feelings</span>' in page


@pytest.mark.django_db
def test_the_session_list_filters_by_label(client) -> None:
    from core.models import Role
    from tests.factories import member

    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    run_import(
        project,
        [
            ("esconv.json", (FIXTURES / "esconv.json").read_bytes()),
            ("cactus_eval.json", (FIXTURES / "cactus_eval.json").read_bytes()),
        ],
    )
    client.force_login(lead)

    everything = client.get("/sessions/", {"project": "clinic"}).content.decode()
    # The filter offers the labels present in the project.
    assert '<option value="strategy:Question">strategy:Question</option>' in everything
    assert '<option value="cbt:Continuum Technique">cbt:Continuum Technique</option>' in everything

    page = client.get("/sessions/", {"project": "clinic", "label": "cbt:Continuum Technique"})
    body = page.content.decode()
    assert "1 session<" in body or "1 session\n" in body
    cbt = client.get("/api/projects/clinic/sessions/", {"label": "cbt:Continuum Technique"})
    assert [row["source_id"] for row in cbt.json()["results"]] == ["7"]
    api = client.get("/api/projects/clinic/sessions/", {"label": "strategy:Question"}).json()
    assert [row["source_format"] for row in api["results"]] == ["esconv"]
