"""Access routes of the exports app (see tests/core/test_access.py).

The world's project gets one specification with an approved version, built from plain items
(fast, and a real folder to download from).
"""

from __future__ import annotations

from datetime import UTC, datetime

from exports.folder import export_folder_write
from exports.items import ExportKind
from exports.models import ExportVersion
from exports.spec import ExportRecord, ExportSpec
from tests.exports.factories import SftSessionFactory
from tests.exports.records import ExportSpecificationFactory
from tests.routes import Route

MANAGERS = frozenset({"lead"})
READERS = frozenset({"lead", "trainer"})


def _version(world) -> ExportVersion:
    if "export_version" not in world.objects:
        specification = ExportSpecificationFactory(projects=[world.project], name="Access check")
        version = ExportVersion.objects.create(
            specification=specification,
            number=1,
            status=ExportVersion.Status.APPROVED,
            folder=f"access-{specification.pk}-{datetime.now(UTC).timestamp()}",
        )
        result = export_folder_write(
            spec=ExportSpec(kind=ExportKind.SFT, name="Access check", formats=("jsonl",)),
            items=SftSessionFactory.build_batch(10),
            folder=version.path,
            record=ExportRecord(built_at=datetime(2026, 1, 1, tzinfo=UTC), rapport_version="t"),
        )
        version.manifest = result.manifest
        version.counts = result.manifest["counts"]
        version.built_at = datetime(2026, 1, 1, tzinfo=UTC)
        version.save()
        world.objects.update(export_version=version, export_specification=specification)
    return world.objects["export_version"]


def _built(world):
    """A second version, built but not approved yet (what a lead approves)."""
    approved = _version(world)
    if "export_built" not in world.objects:
        world.objects["export_built"] = ExportVersion.objects.create(
            specification=approved.specification,
            number=2,
            status=ExportVersion.Status.BUILT,
            folder=approved.folder,
            manifest=approved.manifest,
            counts=approved.counts,
        )
    return {"version_id": world.objects["export_built"].pk}


def _spec(world):
    _version(world)
    return {"specification_id": world.objects["export_specification"].pk}


def _ver(world):
    return {"version_id": _version(world).pk}


def _file(world):
    return {"version_id": _version(world).pk, "name": "data/train.jsonl"}


def _compare(world):
    return {"version_id": _version(world).pk}


ROUTES = [
    Route("exports:export_list", "user", allowed=READERS),
    Route("exports:specification_create", "user", allowed=MANAGERS),
    Route("exports:specification_detail", "project", _spec, allowed=MANAGERS),
    Route("exports:version_build", "project", _spec, method="POST", allowed=MANAGERS),
    Route("exports:version_detail", "project", _ver, allowed=READERS),
    Route("exports:version_progress", "project", _ver, allowed=MANAGERS),
    Route("exports:version_approve", "project", _built, method="POST", allowed=MANAGERS),
    Route("exports:version_to_bucket", "project", _ver, method="POST", allowed=MANAGERS),
    Route("exports:version_compare", "project", _compare, allowed=MANAGERS),
    Route("exports:version_archive", "project", _ver, allowed=READERS),
    Route("exports:version_file", "project", _file, allowed=READERS),
    Route("api_export_list", "user", api=True, allowed=READERS),
    Route("api_export_detail", "project", _ver, api=True, allowed=READERS),
    Route("api_export_archive", "project", _ver, api=True, allowed=READERS),
    Route("api_export_file", "project", _file, api=True, allowed=READERS),
    Route("api_export_approve", "project", _built, api=True, method="POST", allowed=MANAGERS),
    Route(
        "api_export_to_bucket",
        "project",
        _ver,
        api=True,
        method="POST",
        allowed=MANAGERS,
        body_required=True,
    ),
    Route("api_export_specification_list", "user", api=True, allowed=MANAGERS),
    Route("api_export_build", "project", _spec, api=True, method="POST", allowed=MANAGERS),
]
