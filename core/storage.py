"""Where uploads and built exports live: Django's "uploads" and "exports" storages.

Both are chosen by settings (``STORAGE_BACKEND``: the local disk, or one bucket of an
S3-compatible service through django-storages), so web processes and workers on different hosts
need no shared disk. The services never build paths themselves; they go through the few
functions here, which stream in both directions: an upload is hashed while it is written, a
download is read a block at a time, and nothing is ever held whole in memory.

The local backend keeps its files where they always were (``MEDIA_ROOT/imports``,
``EXPORTS_ROOT``), and a worker reads them in place. On a bucket, a worker copies what it needs
to its own disk first (archives and Parquet files are read by seeking).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

BLOCK = 1 << 20


class ExportsFileSystemStorage(FileSystemStorage):
    """The local exports storage: EXPORTS_ROOT, read each time, so a changed setting counts."""

    @property
    def base_location(self) -> str:
        return str(getattr(self, "_location", None) or settings.EXPORTS_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def uploads_storage() -> Storage:
    return storages["uploads"]


def exports_storage() -> Storage:
    return storages["exports"]


def local_path(storage: Storage, key: str) -> Path | None:
    """The file's path when the storage is a local folder; None for a bucket."""
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(key))
    return None


class _HashingReader(io.RawIOBase):
    """Reads a stream through, counting its bytes and hashing them on the way.

    It says it cannot seek, so a bucket's client uploads it in parts as it reads (never the
    whole file in memory) and the local storage copies it block by block.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> bytes:
        block = self._stream.read(BLOCK if size is None or size < 0 else size)
        if block:
            self.digest.update(block)
            self.size += len(block)
        return block

    def readinto(self, buffer: Any) -> int:
        block = self.read(len(buffer))
        buffer[: len(block)] = block
        return len(block)


class BlockStream(io.RawIOBase):
    """A readable, unseekable stream over an iterator of blocks (stored bytes read as lines, or
    sent on to a bucket), holding one block at a time."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._block = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._block:
            block = next(self._blocks, b"")
            if not block:
                return 0
            self._block = memoryview(block)
        size = min(len(buffer), len(self._block))
        buffer[:size] = self._block[:size]
        self._block = self._block[size:]
        return size


def stream_save(storage: Storage, key: str, stream: IO[bytes]) -> tuple[str, int]:
    """Write ``stream`` to ``key`` (replacing what was there); its sha256 and size.

    Into a bucket through :class:`StoredWriter`, one multipart part at a time: the storage's own
    ``save`` hands an unseekable stream to boto3's transfer manager, which reads up to ten parts
    ahead (80 MB and more on a worker uploading a built export, issue 22).
    """
    if local_path(storage, key) is None:
        writer = StoredWriter(storage, key)
        try:
            while block := stream.read(BLOCK):
                writer.write(block)
            return writer.close()
        except BaseException:
            writer.abort()
            raise
    if storage.exists(key):
        storage.delete(key)
    reader = _HashingReader(stream)
    saved = storage.save(key, File(cast(IO[bytes], reader), name=key))
    if saved != key:  # pragma: no cover - keys are unique per batch and version
        raise RuntimeError(f"storage stored {key!r} as {saved!r}")
    return reader.digest.hexdigest(), reader.size


# A bucket's multipart upload takes parts of at least 5 MiB (but the last); each is sent as
# soon as it is full, so a writer holds one part at most.
PART = 8 * BLOCK


class StoredWriter:
    """A file written into storage a chunk at a time, as its bytes arrive (an upload read off
    the wire); hashed on the way. Nothing is visible under ``key`` before :meth:`close`: on the
    local disk the bytes go to a hidden partial file renamed at the end, in a bucket to a
    multipart upload that is completed at the end (or aborted)."""

    def __init__(self, storage: Storage, key: str) -> None:
        self.storage = storage
        self.key = key
        self.digest = hashlib.sha256()
        self.size = 0
        self._path = local_path(storage, key)
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self._handle: IO[bytes] | None = None
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._partial = self._path.with_name(f".{self._path.name}.partial")
            self._handle = self._partial.open("wb")

    def write(self, chunk: bytes) -> None:
        self.digest.update(chunk)
        self.size += len(chunk)
        if self._handle is not None:
            self._handle.write(chunk)
            return
        self._buffer.append(chunk)
        self._buffered += len(chunk)
        if self._buffered >= PART:
            self._send_part()

    def _client(self) -> Any:
        return self.storage.connection.meta.client  # type: ignore[attr-defined]

    def _send_part(self) -> None:
        client, bucket = self._client(), self.storage.bucket_name  # type: ignore[attr-defined]
        if self._upload_id is None:
            self._upload_id = client.create_multipart_upload(
                Bucket=bucket, Key=_s3_key(self.storage, self.key)
            )["UploadId"]
        number = len(self._parts) + 1
        body, self._buffer, self._buffered = b"".join(self._buffer), [], 0
        answer = client.upload_part(
            Bucket=bucket,
            Key=_s3_key(self.storage, self.key),
            UploadId=self._upload_id,
            PartNumber=number,
            Body=body,
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def close(self) -> tuple[str, int]:
        """Make the file visible under its key; its sha256 and size."""
        if self._handle is not None and self._path is not None:
            self._handle.close()
            os.replace(self._partial, self._path)
        else:
            client, bucket = self._client(), self.storage.bucket_name  # type: ignore[attr-defined]
            full = _s3_key(self.storage, self.key)
            if self._upload_id is None:
                client.put_object(Bucket=bucket, Key=full, Body=b"".join(self._buffer))
            else:
                if self._buffer:
                    self._send_part()
                client.complete_multipart_upload(
                    Bucket=bucket,
                    Key=full,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
            self._buffer, self._buffered = [], 0
        return self.digest.hexdigest(), self.size

    def abort(self) -> None:
        """Forget what was written; nothing appears under the key."""
        if self._handle is not None:
            self._handle.close()
            self._partial.unlink(missing_ok=True)
        elif self._upload_id is not None:
            self._client().abort_multipart_upload(
                Bucket=self.storage.bucket_name,  # type: ignore[attr-defined]
                Key=_s3_key(self.storage, self.key),
                UploadId=self._upload_id,
            )
        self._buffer, self._buffered = [], 0


def move(storage: Storage, source: str, target: str) -> None:
    """Give a stored file another key (a rename on disk; a copy inside the bucket, never
    through this host, then the old key deleted)."""
    path = local_path(storage, source)
    if path is not None:
        destination = Path(storage.path(target))
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)
        return
    client, bucket = storage.connection.meta.client, storage.bucket_name  # type: ignore[attr-defined]
    client.copy(
        {"Bucket": bucket, "Key": _s3_key(storage, source)}, bucket, _s3_key(storage, target)
    )
    client.delete_object(Bucket=bucket, Key=_s3_key(storage, source))


def blocks(storage: Storage, key: str, *, size: int = BLOCK) -> Iterator[bytes]:
    """The stored file's bytes, a block at a time."""
    path = local_path(storage, key)
    if path is not None:
        with path.open("rb") as handle:
            while block := handle.read(size):
                yield block
        return
    body = _s3_object(storage, key).get()["Body"]
    try:
        yield from body.iter_chunks(size)
    finally:
        body.close()


def download(storage: Storage, key: str, target: Path) -> Path:
    """Copy a stored file to the local disk, streamed; the local path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        for block in blocks(storage, key):
            handle.write(block)
    return target


def keys_under(storage: Storage, prefix: str) -> list[str]:
    """Every stored key below ``prefix`` (a folder), as relative keys of the storage, sorted."""
    prefix = prefix.strip("/")
    path = local_path(storage, prefix)
    if path is not None:
        if not path.is_dir():
            return []
        return sorted(
            f"{prefix}/{p.relative_to(path).as_posix()}" for p in path.rglob("*") if p.is_file()
        )
    location = _s3_location(storage)
    full = f"{location}{prefix}/"
    bucket = storage.bucket  # type: ignore[attr-defined]
    return sorted(obj.key[len(location) :] for obj in bucket.objects.filter(Prefix=full))


def delete_under(storage: Storage, prefix: str) -> None:
    """Delete everything below ``prefix``; nothing there is fine.

    In a bucket that includes multipart uploads never completed there: a process killed
    inside a large file leaves one, invisible to readers but stored (and billed) until it is
    aborted, and whoever clears the prefix (a redelivered build) is the one who knows it is dead.
    """
    prefix = prefix.strip("/")
    path = local_path(storage, prefix)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
        return
    full = f"{_s3_location(storage)}{prefix}/"
    storage.bucket.objects.filter(Prefix=full).delete()  # type: ignore[attr-defined]
    for upload in storage.bucket.multipart_uploads.filter(Prefix=full):  # type: ignore[attr-defined]
        upload.abort()


def folders_under(storage: Storage, prefix: str) -> dict[str, datetime]:
    """The folders directly below ``prefix``, each with the time its newest file was written."""
    prefix = prefix.strip("/")
    newest: dict[str, datetime] = {}
    path = local_path(storage, prefix)
    if path is not None:
        if not path.is_dir():
            return {}
        for folder in path.iterdir():
            if folder.is_dir():
                stamps = [p.stat().st_mtime for p in folder.rglob("*")] or [folder.stat().st_mtime]
                newest[folder.name] = datetime.fromtimestamp(max(stamps), tz=UTC)
        return newest
    start = f"{_s3_location(storage)}{prefix}/"
    for obj in storage.bucket.objects.filter(Prefix=start):  # type: ignore[attr-defined]
        name = obj.key[len(start) :].split("/", 1)[0]
        if name and (name not in newest or obj.last_modified > newest[name]):
            newest[name] = obj.last_modified
    return newest


def abort_stale_uploads(storage: Storage, prefix: str, *, before: datetime) -> int:
    """Abort multipart uploads below ``prefix`` begun before ``before`` (a process killed in
    the middle of one leaves its parts in the bucket, invisible and billed); how many."""
    if local_path(storage, prefix) is not None:
        return 0
    client = storage.connection.meta.client  # type: ignore[attr-defined]
    bucket = storage.bucket_name  # type: ignore[attr-defined]
    answer = client.list_multipart_uploads(Bucket=bucket, Prefix=_s3_key(storage, prefix))
    aborted = 0
    for upload in answer.get("Uploads", []):
        if upload["Initiated"] < before:
            client.abort_multipart_upload(
                Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
            aborted += 1
    return aborted


def presigned_url(storage: Storage, key: str, *, filename: str, seconds: int) -> str | None:
    """A URL of the bucket that serves the file as a download for ``seconds``; None when the
    storage is a local folder (those files are streamed through Rapport)."""
    if local_path(storage, key) is not None:
        return None
    client = storage.connection.meta.client  # type: ignore[attr-defined]
    return str(
        client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": storage.bucket_name,  # type: ignore[attr-defined]
                "Key": _s3_key(storage, key),
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=seconds,
        )
    )


def _s3_location(storage: Storage) -> str:
    location = str(getattr(storage, "location", "") or "").strip("/")
    return f"{location}/" if location else ""


def _s3_key(storage: Storage, key: str) -> str:
    return f"{_s3_location(storage)}{key.lstrip('/')}"


def _s3_object(storage: Storage, key: str) -> Any:
    return storage.bucket.Object(_s3_key(storage, key))  # type: ignore[attr-defined]
