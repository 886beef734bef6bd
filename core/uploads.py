"""Uploads written into the uploads storage while the request is read.

Django keeps a small upload in memory and spools a larger one (over FILE_UPLOAD_MAX_MEMORY_SIZE)
to a temporary file on the web host; Rapport then copied that file into storage. With a bucket
that put every large upload on the disk of whichever web host took it, for nothing. The routes
that take imports (marked with :func:`streams_uploads`) read each file of the request straight
into storage instead, a chunk at a time (core.storage.StoredWriter: a multipart upload of the
bucket, or a partial file renamed on the local disk), under a key of the request's own. The
service then gives the stored file its batch's key; whatever the request stored and nobody
claimed (the view refused it, the client went away) is deleted once the response is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import IO, Any, TypeVar, cast

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest
from django.urls import Resolver404, resolve

from core import storage

View = TypeVar("View", bound=Callable[..., Any])


def streams_uploads(view: View) -> View:
    """Mark a view (a function, or an API view class) whose uploads go to storage as they
    arrive; its uploaded files are :class:`StoredUpload` objects."""
    view.streams_uploads = True  # type: ignore[attr-defined]
    return view


def route_streams_uploads(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    func = match.func
    target = getattr(func, "view_class", None) or func
    return bool(
        getattr(target, "streams_uploads", False) or getattr(func, "streams_uploads", False)
    )


class StoredUpload(UploadedFile):
    """A file of the request, already whole in the uploads storage under ``stored_key``.

    Read like any upload (streamed back from storage), but a service that stores uploads moves
    it instead (:func:`core.storage.move`), and takes its size and sha256 as computed on the way
    in.
    """

    def __init__(
        self,
        *,
        stored_key: str,
        name: str,
        size: int,
        sha256: str,
        content_type: str | None,
        charset: str | None,
    ) -> None:
        self.stored_key = stored_key
        self.sha256 = sha256
        stream = cast(
            IO[bytes], storage.BlockStream(storage.blocks(storage.uploads_storage(), stored_key))
        )
        super().__init__(stream, name, content_type, size, charset)

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> StoredUpload:
        self.file = cast(
            IO[bytes],
            storage.BlockStream(storage.blocks(storage.uploads_storage(), self.stored_key)),
        )
        return self


class StorageUploadHandler(FileUploadHandler):
    """Writes each uploaded file into the uploads storage as its chunks are read."""

    def __init__(self, request: HttpRequest) -> None:
        super().__init__(request)
        self.folder = f"imports/{uuid.uuid4().hex}"
        self.count = 0
        self.writer: storage.StoredWriter | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.count += 1
        self.writer = storage.StoredWriter(
            storage.uploads_storage(), f"{self.folder}/incoming/{self.count}"
        )
        raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        assert self.writer is not None
        self.writer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> StoredUpload:
        assert self.writer is not None
        writer, self.writer = self.writer, None
        sha256, size = writer.close()
        return StoredUpload(
            stored_key=writer.key,
            name=self.file_name or "upload",
            size=size,
            sha256=sha256,
            content_type=self.content_type,
            charset=self.charset,
        )

    def upload_interrupted(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None

    def forget(self) -> None:
        """Delete what this request stored and no batch took."""
        self.upload_interrupted()
        if self.count:
            storage.delete_under(storage.uploads_storage(), self.folder)
