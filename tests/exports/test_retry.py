"""A build delivered again after its worker died: it finishes, with the same files."""

import pytest

from core.models import Role
from exports import folder as export_folder
from exports.models import ExportVersion
from exports.services.building import export_version_build
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


def _files(path):
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in files}


@pytest.fixture
def version(db, build):
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    rubric = published_rubric()
    for n in range(10):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Worry number {n} keeps me awake."), ("counselor", f"Reply {n}.")],
        )
    return build(ExportSpecificationFactory(projects=[project]), lead)


class WorkerDied(BaseException):
    """Stands in for a killed process: nothing after it runs, no cleanup either."""


# The bucket's own redelivery (a dead attempt's uploads deleted, the manifest last) is
# tests/exports/test_storage.py's and tests/core/test_storage_kill.py's.
@pytest.mark.local_storage("the partial folder renamed into place is the local disk's")
def test_a_build_redelivered_after_a_crash_mid_write_finishes_with_identical_files(
    version, monkeypatch
):
    assert version.status == ExportVersion.Status.BUILT
    reference = _files(version.path)
    # The same version queued again, as if the first delivery had died before recording it.
    ExportVersion.objects.filter(pk=version.pk).update(status=ExportVersion.Status.BUILDING)
    monkeypatch.setattr(export_folder, "_discard", lambda folder, *, existed: None)

    def die(*, folder, manifest):
        raise WorkerDied

    monkeypatch.setattr(export_folder, "manifest_write", die)
    with pytest.raises(WorkerDied):
        export_version_build(version=version)
    leftovers = list(version.path.parent.glob(f"{version.path.name}.partial-*"))
    assert leftovers
    assert any((leftovers[0] / "data").iterdir())
    assert not version.path.exists()
    monkeypatch.undo()

    export_version_build(version=version)

    version.refresh_from_db()
    assert version.status == ExportVersion.Status.BUILT
    assert _files(version.path) == reference
    assert not list(version.path.parent.glob(f"{version.path.name}.partial-*"))


def test_a_late_delivery_leaves_a_finished_version_alone(version, folder_of):
    before = _files(folder_of(version))
    assert "manifest.json" in before

    export_version_build(version=version)

    version.refresh_from_db()
    assert version.status == ExportVersion.Status.BUILT
    assert version.error == ""
    assert _files(folder_of(version)) == before
