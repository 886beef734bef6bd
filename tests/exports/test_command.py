"""The export_build command: SFT per-turn rows from the database, and its progress bar."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exports.splitting import SPLITS
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory


@pytest.fixture
def project(db):
    project = ProjectFactory(slug="clinic")
    rubric = published_rubric()
    for n in range(6):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [3, 3], "structure": [3, 3]},
            turns=[
                ("counselor", "Welcome. What brings you here?"),
                ("client", f"My worry number {n} keeps me awake at night."),
                ("counselor", f"When did worry {n} start?"),
                ("client", "Last spring, after the move."),
                ("counselor", "What changed for you then?"),
            ],
        )
    return project


def _rows(folder, name):
    rows = []
    for split in SPLITS:
        path = folder / name / f"{split}.jsonl"
        if path.exists():
            rows += [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return rows


def test_turn_mode_gives_one_row_per_answering_counselor_turn(project, tmp_path):
    out = tmp_path / "turns"

    call_command(
        "export_build",
        project="clinic",
        kind="sft",
        sft_mode="turn",
        out=str(out),
        no_progress=True,
        stdout=io.StringIO(),
    )

    data, provenance = _rows(out, "data"), _rows(out, "provenance")
    # The opening counselor turn answers nothing: two rows per session, not three.
    assert len(data) == 12
    assert sorted({row["turn_index"] for row in provenance}) == [2, 4]
    for row, origin in zip(data, provenance, strict=True):
        assert row["messages"][-1]["role"] == "assistant"
        assert len(row["messages"]) == origin["turn_index"] + 1
        assert origin["id"] == f"{origin['item_id']}#t{origin['turn_index']}"
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["specification"]["sft_mode"] == "turn"


def test_the_command_draws_a_progress_bar_and_reports_what_it_wrote(project, tmp_path):
    stderr, stdout = io.StringIO(), io.StringIO()

    call_command(
        "export_build",
        project="clinic",
        kind="sft",
        out=str(tmp_path / "bar"),
        stdout=stdout,
        stderr=stderr,
    )

    bar = stderr.getvalue()
    assert "\r[" in bar
    assert bar.rstrip().endswith("100% 6/6 items")
    assert "[" + "#" * 30 + "]" in bar
    assert stdout.getvalue().startswith(f"Export written to {tmp_path / 'bar'}: train ")


def test_the_command_refuses_a_folder_that_is_not_empty_and_an_unknown_spec(project, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("keep me")

    with pytest.raises(CommandError, match="must be empty"):
        call_command("export_build", project="clinic", kind="sft", out=str(full), no_progress=True)
    with pytest.raises(CommandError, match="--spec 999999: no such export specification"):
        call_command("export_build", spec=999999, out=str(tmp_path / "x"), no_progress=True)
    assert (full / "notes.txt").read_text() == "keep me"


def test_the_command_builds_a_saved_specification_in_turn_mode(project, tmp_path):
    specification = ExportSpecificationFactory(projects=[project], sft_mode="turn", seed=4)

    call_command(
        "export_build",
        spec=specification.pk,
        out=str(tmp_path / "spec"),
        no_progress=True,
        stdout=io.StringIO(),
    )

    assert len(_rows(tmp_path / "spec", "data")) == 12
