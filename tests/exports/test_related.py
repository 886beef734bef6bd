"""Related items share a split, whichever project or import they came from and whichever
persona field links them (a multi-project build through the version service)."""

import json

import pytest

from core.models import Role
from exports.models import ExportVersion
from exports.splitting import SPLITS
from tests.exports.fixtures import filler_text
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


def _split_of_items(version: ExportVersion, folder_of) -> dict[str, tuple[str, str]]:
    """item id -> (split, group id), read back from the provenance files."""
    found = {}
    for split in SPLITS:
        path = folder_of(version) / f"provenance/{split}.jsonl"
        if not path.exists():
            continue
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            found[row["item_id"]] = (split, row["group_id"])
    return found


def _session(project, rubric, people, n, **kwargs):
    return approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [3, 3], "structure": [3, 3]},
        turns=[
            ("client", filler_text(n)),
            ("counselor", f"Tell me more about that, session {n}."),
        ],
        **kwargs,
    )


@pytest.mark.django_db
def test_the_same_record_in_two_projects_and_shared_persona_fields_keep_one_group(
    build, exports_root, folder_of
):
    clinic, hospital = ProjectFactory(slug="clinic"), ProjectFactory(slug="hospital")
    lead = member(clinic, Role.LEAD, "lead")
    member(hospital, Role.LEAD, "lead")
    rubric = published_rubric()
    people = reviewers()
    # One CounselChat record imported into both projects, its text since edited in one of
    # them: different rows, different text, so only its source id can relate them.
    first = _session(clinic, rubric, people, 1, source_format="counselchat", source_id="q-17")
    second = _session(hospital, rubric, people, 2, source_format="counselchat", source_id="q-17")
    # Three Cactus sessions: one has a thought and an intake form, the others one of each.
    form = "Age 24. Presenting problem: exam anxiety."
    both = _session(clinic, rubric, people, 3, metadata={"thought": "I fail", "intake_form": form})
    intake = _session(hospital, rubric, people, 4, metadata={"intake_form": form})
    thought = _session(clinic, rubric, people, 5, metadata={"thought": "I fail!"})
    for n in range(6, 40):
        _session(clinic if n % 2 else hospital, rubric, people, n)
    specification = ExportSpecificationFactory(projects=[clinic, hospital], seed=5)

    version = build(specification, lead)

    assert version.status == ExportVersion.Status.BUILT, version.error
    found = _split_of_items(version, folder_of)
    assert len(found) == 39
    assert found[f"item-{first.pk}"] == found[f"item-{second.pk}"]
    assert found[f"item-{both.pk}"] == found[f"item-{intake.pk}"] == found[f"item-{thought.pk}"]
    specification_record = version.manifest["specification"]["curation"]
    assert specification_record["projects"] == [
        {"id": clinic.pk, "slug": "clinic"},
        {"id": hospital.pk, "slug": "hospital"},
    ]
    assert version.split_report["links"]["session"] >= 1
    assert version.split_report["links"]["persona"] >= 2
    # Agreement is recorded per criterion and project even though no bar was set.
    agreement = version.manifest["agreement"]
    assert sorted(agreement) == ["empathy", "structure"]
    assert [entry["project"] for entry in agreement["empathy"]] == ["clinic", "hospital"]
    assert all(entry["bar"] is None for entry in agreement["empathy"])
