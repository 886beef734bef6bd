"""Building versions from the database: loadable folders, leak-free splits, reproducible
files, manifests that match, and a comparison between versions."""

import json

import pytest
from django.core.management import call_command

from core.models import Job, Role
from exports.manifest import file_sha256
from exports.models import ExportVersion
from exports.services.diff import version_diff
from exports.splitting import SPLITS
from review.models import Item
from tests.exports.fixtures import filler_text, near_duplicate_families
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_pair,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


@pytest.fixture
def project(db):
    return ProjectFactory(slug="clinic")


@pytest.fixture
def lead(project):
    return member(project, Role.LEAD, "lead")


def _sessions(project, count=30, **kwargs):
    rubric = published_rubric()
    people = reviewers()
    return [
        approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [2 + n % 3, 3], "structure": [3, 3]},
            turns=[
                ("client", filler_text(n)),
                ("counselor", f"What does that feel like, session {n}?"),
                ("client", filler_text(1000 + n)),
                ("counselor", "Let us slow down and look at it together."),
            ],
            **kwargs,
        )
        for n in range(count)
    ]


def _family_pairs(project):
    """A pair item for every near-duplicate variant, plus unrelated pairs."""
    people = reviewers(2)
    families = []
    for _language, texts in near_duplicate_families():
        families.append(
            [
                approved_pair(project=project, people=people, choices=["a", "a"], prompt=text).pk
                for text in texts
            ]
        )
    for n in range(40):
        approved_pair(project=project, people=people, choices=["b", "b"], prompt=filler_text(n))
    return families


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_sft_version_loads_with_trl_messages(project, lead, build, load_dataset, folder_of):
    _sessions(project)
    specification = ExportSpecificationFactory(
        projects=[project],
        kind="sft",
        system_prompt_mode="fixed",
        system_prompt_text="You are a supportive counselor.",
    )

    version = build(specification, lead)

    assert version.status == ExportVersion.Status.BUILT
    assert version.job.status == Job.Status.SUCCEEDED
    data = load_dataset(str(folder_of(version)))
    assert set(data) == set(SPLITS)
    assert sum(len(data[s]) for s in SPLITS) == 30
    messages = data["train"][0]["messages"]
    assert data["train"].column_names == ["messages"]
    assert messages[0] == {"role": "system", "content": "You are a supportive counselor."}
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user", "assistant"]
    provenance = load_dataset(str(folder_of(version)), "provenance")
    row = provenance["train"][0]
    assert row["rubric_version"].endswith("v1")
    assert {s["name"] for s in row["scores"]} == {"empathy", "structure"}
    assert all(r.startswith("r-") for r in row["reviewers"])


def test_dpo_version_loads_with_trl_preference_columns(
    project, lead, build, load_dataset, folder_of
):
    _family_pairs(project)
    specification = ExportSpecificationFactory(projects=[project], kind="dpo")

    version = build(specification, lead)

    data = load_dataset(str(folder_of(version)))
    assert data["train"].column_names == ["prompt", "chosen", "rejected"]
    row = data["test"][0]
    assert row["prompt"][-1]["role"] == "user"
    assert row["chosen"][0]["role"] == "assistant"
    assert row["rejected"][0]["role"] == "assistant"
    assert (
        version.counts["train"]["rows"]
        + version.counts["validation"]["rows"]
        + version.counts["test"]["rows"]
        == Item.objects.filter(kind="pair").count()
    )


def test_no_near_duplicate_family_crosses_splits_and_rebuilds_are_identical(
    project, lead, build, tmp_path, folder_of
):
    families = _family_pairs(project)
    specification = ExportSpecificationFactory(
        projects=[project], kind="dpo", seed=7, formats=["jsonl", "parquet"]
    )

    first = build(specification, lead)
    second = build(specification, lead)

    split_of = {}
    for split in SPLITS:
        path = folder_of(first) / f"provenance/{split}.jsonl"
        for line in path.read_text("utf-8").splitlines():
            split_of[json.loads(line)["item_id"]] = split
    for family in families:
        assert len({split_of[f"pair-{pk}"] for pk in family}) == 1
    assert first.split_report["links"]["near_duplicate"] > 0
    one, two = _files(folder_of(first)), _files(folder_of(second))
    manifest_one = json.loads(one.pop("manifest.json"))
    manifest_two = json.loads(two.pop("manifest.json"))
    assert one == two
    manifest_one.pop("built_at")
    manifest_two.pop("built_at")
    assert manifest_one == manifest_two
    # The command builds the same files from the same specification.
    call_command("export_build", spec=specification.pk, out=str(tmp_path / "cli"), no_progress=True)
    cli = _files(tmp_path / "cli")
    cli.pop("manifest.json")
    assert cli == one


def test_manifest_checksums_match_the_files(project, lead, build, folder_of):
    _sessions(project, count=12)
    version = build(ExportSpecificationFactory(projects=[project]), lead)

    manifest = json.loads((folder_of(version) / "manifest.json").read_text("utf-8"))
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {
        p.relative_to(folder_of(version)).as_posix()
        for p in folder_of(version).rglob("*")
        if p.is_file()
    }
    assert on_disk - listed == {"manifest.json"}
    for entry in manifest["files"]:
        assert file_sha256(folder_of(version) / entry["path"]) == entry["sha256"]
    assert manifest == version.manifest
    assert manifest["specification"]["curation"]["approved_items_only"] is True


def test_command_builds_a_project_with_defaults(project, tmp_path):
    _sessions(project, count=10)
    out = tmp_path / "out"

    call_command(
        "export_build", project="clinic", kind="sft", out=str(out), seed=3, no_progress=True
    )

    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["kind"] == "sft"
    assert manifest["specification"]["seed"] == 3
    assert sum(c["rows"] for c in manifest["counts"].values()) == 10


def test_nothing_to_export_fails_the_version_with_the_reason(project, lead, build, folder_of):
    rubric = published_rubric()
    approved_session(
        project=project,
        rubric=rubric,
        people=reviewers(),
        scores={"empathy": [1, 1], "structure": [1, 1]},
    )
    specification = ExportSpecificationFactory(projects=[project], min_scores={"empathy": "3"})

    version = build(specification, lead)

    assert version.status == ExportVersion.Status.FAILED
    assert "Nothing to export" in version.error
    assert "empathy below 3: 1" in version.error
    assert version.job.status == Job.Status.FAILED
    assert not folder_of(version).exists()


def test_compare_two_versions(project, lead, build):
    items = _sessions(project, count=20)
    specification = ExportSpecificationFactory(projects=[project])
    old = build(specification, lead)
    Item.objects.filter(pk=items[0].pk).update(status=Item.Status.REJECTED)
    _sessions(project, count=2)
    new = build(specification, lead)

    diff = version_diff(old=old, new=new)

    assert diff.removed == [f"item-{items[0].pk}"]
    assert diff.added_total == 2
    assert sum(row["new"] for row in diff.counts) == 21
    assert sum(row["old"] for row in diff.counts) == 20
    assert new.number == old.number + 1


def test_version_page_polls_while_building_and_reloads_once_built(project, lead, build):
    from django.urls import reverse

    from tests.conftest import client_for

    _sessions(project, count=6)
    version = build(ExportSpecificationFactory(projects=[project]), lead)
    client = client_for(lead)
    progress = reverse("exports:version_progress", args=[version.pk])

    ExportVersion.objects.filter(pk=version.pk).update(status=ExportVersion.Status.BUILDING)
    building = client.get(progress, HTTP_HX_REQUEST="true")
    ExportVersion.objects.filter(pk=version.pk).update(status=ExportVersion.Status.BUILT)
    built = client.get(progress, HTTP_HX_REQUEST="true")

    assert f'hx-get="{progress}"' in building.content.decode()
    assert "HX-Refresh" not in building
    assert built["HX-Refresh"] == "true"
    assert "hx-get" not in built.content.decode()


def test_left_out_reasons_are_shown_in_the_readers_language(project, lead, build):
    from django.urls import reverse

    from tests.conftest import client_for

    _sessions(project, count=6)
    specification = ExportSpecificationFactory(projects=[project], min_scores={"empathy": "3"})
    version = build(specification, lead)
    client = client_for(lead)

    english = client.get(reverse("exports:version_detail", args=[version.pk])).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    chinese = client.get(reverse("exports:version_detail", args=[version.pk])).content.decode()

    assert "Left out: empathy below 3" in english
    assert "剔除：empathy 低于 3" in chinese
