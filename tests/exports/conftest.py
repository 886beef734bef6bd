from __future__ import annotations

import importlib
import itertools
from datetime import UTC, datetime

import pytest

from exports.spec import ExportRecord


@pytest.fixture
def load_dataset(tmp_path, monkeypatch):
    """``datasets.load_dataset`` kept offline and inside tmp_path (never the home directory).

    ``datasets`` reads these variables when it is first imported, so the module-level values
    are patched too; every call also gets its own cache, because ``datasets`` reuses a cached
    dataset for a folder of the same name even when its files changed.
    """
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(home / "datasets"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = importlib.import_module("datasets")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", home / "datasets")
    datasets.disable_progress_bars()
    calls = itertools.count()

    def load(*args, **kwargs):
        return datasets.load_dataset(*args, cache_dir=str(home / f"cache-{next(calls)}"), **kwargs)

    return load


@pytest.fixture
def record() -> ExportRecord:
    return ExportRecord(
        built_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        rapport_version="0.1.0",
        item_approvers=("lead-1",),
        agreement={"empathy": {"alpha": 0.71, "items": 120}},
    )


@pytest.fixture
def exports_root(settings, tmp_path):
    """Built versions go to a folder of the test's own."""
    settings.EXPORTS_ROOT = tmp_path / "exports-root"
    return settings.EXPORTS_ROOT


@pytest.fixture
def build(exports_root, django_capture_on_commit_callbacks):
    """Start a build of a specification and run its job, as a worker would."""
    from exports.services.building import export_version_start

    def run(specification, user):
        with django_capture_on_commit_callbacks(execute=True):
            version = export_version_start(specification=specification, user=user)
        version.refresh_from_db()
        return version

    return run


@pytest.fixture
def folder_of(tmp_path):
    """The built files of a version as a local folder, on either storage backend: the folder
    itself on the local disk; on a bucket, a copy of the version's keys made through the
    storage (so what a test reads, loads or checksums is what the bucket holds)."""
    from core import storage

    def folder(version):
        exports = storage.exports_storage()
        local = storage.local_path(exports, version.folder)
        if local is not None:
            return local
        copy = tmp_path / "from-bucket" / version.folder
        for key in storage.keys_under(exports, version.folder):
            storage.download(exports, key, copy / key.removeprefix(f"{version.folder}/"))
        return copy

    return folder
