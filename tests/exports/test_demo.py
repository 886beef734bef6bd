"""The demo gives non-empty SFT and DPO exports and an approved export for the demo trainer."""

import json

import pytest
from django.core.management import call_command

from core.demo import demo_setup
from exports.models import ExportVersion
from exports.selectors import versions_for_user
from review.models import Item


@pytest.fixture
def demo(db, settings, tmp_path, exports_root):
    settings.VAR_DIR = tmp_path
    demo_setup(log=lambda text: None)
    return demo_setup(log=lambda text: None)  # a second run changes nothing


def test_demo_trainer_has_an_approved_export_and_the_lead_one_to_approve(demo):
    from django.contrib.auth.models import User

    trainer = User.objects.get(username="demo-trainer")
    visible = list(versions_for_user(user=trainer))
    assert [v.status for v in visible] == [ExportVersion.Status.APPROVED]
    assert visible[0].specification.kind == "sft"
    assert sum(c["rows"] for c in visible[0].counts.values()) > 0
    assert (
        ExportVersion.objects.filter(
            status=ExportVersion.Status.BUILT, specification__kind="dpo"
        ).count()
        == 1
    )


@pytest.mark.parametrize("kind", ["sft", "dpo"])
def test_export_build_on_the_demo_project_is_not_empty(demo, kind, tmp_path):
    out = tmp_path / kind

    call_command("export_build", project="demo", kind=kind, out=str(out), no_progress=True)

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert sum(c["rows"] for c in manifest["counts"].values()) >= 4


def test_a_second_demo_run_says_what_the_exports_rest_on_not_that_it_added_nothing(
    db, settings, tmp_path, exports_root
):
    settings.VAR_DIR = tmp_path
    first: list[str] = []
    again: list[str] = []
    demo_setup(log=first.append)
    demo_setup(log=again.append)

    first_line = next(line for line in first if line.startswith("Exports:"))
    again_line = next(line for line in again if line.startswith("Exports:"))
    assert "0 approved items added" not in again_line
    approved = Item.objects.filter(project__slug="demo", status=Item.Status.APPROVED).count()
    assert f"{approved} approved items" in again_line
    assert f"{approved} approved items" in first_line
