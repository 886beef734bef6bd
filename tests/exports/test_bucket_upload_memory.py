"""A built export is uploaded into the bucket one part at a time: the worker's memory stays at
about one multipart part whatever the size of a file, and what lands in the bucket is exactly
what the manifest lists, checksums included."""

from __future__ import annotations

import hashlib
import json
import os
import tracemalloc

from core import storage
from exports.manifest import MANIFEST_NAME
from exports.services.building import folder_publish

MB = 1024 * 1024


def _built_folder(tmp_path, *, size):  # type: ignore[no-untyped-def]
    """A folder as a build leaves it: a data file of several parts, a small one, the manifest."""
    folder = tmp_path / "build"
    (folder / "data").mkdir(parents=True)
    big = folder / "data" / "train.jsonl"
    with big.open("wb") as handle:
        for _ in range(size // MB):
            handle.write(os.urandom(MB))
    small = folder / "README.md"
    small.write_text("# Clinic SFT\n")
    manifest = {
        "files": [
            {
                "path": path.relative_to(folder).as_posix(),
                "bytes": path.stat().st_size,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
            for path in (big, small)
        ]
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest))
    return folder, manifest


def test_a_file_of_many_parts_is_uploaded_one_part_at_a_time(s3_bucket, tmp_path, monkeypatch):
    folder, manifest = _built_folder(tmp_path, size=6 * storage.PART)
    exports = storage.exports_storage()
    client = exports.connection.meta.client
    in_flight, most, parts = 0, 0, []
    sent = client.upload_part

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            parts.append(len(kwargs["Body"]))
            return sent(**kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setattr(client, "upload_part", counted)
    # The client's service description is parsed before measuring: it is the client's, once.
    client.list_objects_v2(Bucket=s3_bucket.name, MaxKeys=1)

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        folder_publish(folder=folder, target=exports, prefix="spec-1/v1-abc", manifest=manifest)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # One part in flight, each at least S3's 5 MB (but the last), and memory about two parts
    # (the part being filled and the one being sent), never the ten of a transfer manager.
    assert most == 1
    assert len(parts) == 6
    assert all(size >= 5 * MB for size in parts[:-1])
    assert peak < 3 * storage.PART, f"peak {peak / MB:.1f} MB"
    prefix = f"{s3_bucket.prefix}/exports/spec-1/v1-abc"
    assert s3_bucket.keys(prefix) == sorted(
        [f"{prefix}/data/train.jsonl", f"{prefix}/README.md", f"{prefix}/{MANIFEST_NAME}"]
    )
    listed = json.loads(s3_bucket.read(f"{prefix}/{MANIFEST_NAME}"))
    for entry in listed["files"]:
        stored = s3_bucket.read(f"{prefix}/{entry['path']}")
        assert len(stored) == entry["bytes"]
        assert hashlib.sha256(stored).hexdigest() == entry["sha256"]


def test_a_file_smaller_than_a_part_is_one_plain_object(s3_bucket, tmp_path, monkeypatch):
    folder, manifest = _built_folder(tmp_path, size=0)
    exports = storage.exports_storage()
    client = exports.connection.meta.client
    monkeypatch.setattr(
        client, "create_multipart_upload", lambda **kwargs: (_ for _ in ()).throw(AssertionError)
    )
    folder_publish(folder=folder, target=exports, prefix="spec-1/v1-abc", manifest=manifest)
    prefix = f"{s3_bucket.prefix}/exports/spec-1/v1-abc"
    assert s3_bucket.read(f"{prefix}/README.md") == b"# Clinic SFT\n"
    assert s3_bucket.read(f"{prefix}/data/train.jsonl") == b""
