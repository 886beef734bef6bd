"""Bucket prefixes a lead may import from and export to, and the client that reaches them.

A lead names only a bucket and a prefix (``s3://bucket/prefix/``). The endpoint and the
credentials are the operator's (``S3_ENDPOINT_URL``, ``S3_ACCESS_KEY_ID`` ...), and the location
must fall under an entry of the operator's ``BUCKETS_ALLOWED``; so nothing a lead types can name
another host, a local path (``file://``), another bucket, or Rapport's own storage prefix.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.storage import BlockStream

# S3's own rule for bucket names (lower case letters, digits, dots and hyphens, 3 to 63), which
# also rules out anything that could read as a host, a port, a user or a path.
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_PREFIX_PART = re.compile(r"[^\x00-\x1f\x7f\\]+")
SCHEME = "s3://"


class BucketRefused(ApplicationError):
    """The location cannot be used; the message says why, in the user's language."""


@dataclass(frozen=True)
class BucketLocation:
    bucket: str
    prefix: str  # without a leading or trailing slash; "" for the whole bucket

    @property
    def uri(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.prefix}{'/' if self.prefix else ''}"

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name


def _allowed(bucket: str, prefix: str) -> bool:
    for entry in settings.BUCKETS_ALLOWED:
        allowed_bucket, _slash, allowed_prefix = entry.strip().partition("/")
        allowed_prefix = allowed_prefix.strip("/")
        if allowed_bucket != bucket:
            continue
        if (
            not allowed_prefix
            or prefix == allowed_prefix
            or prefix.startswith(allowed_prefix + "/")
        ):
            return True
    return False


def _is_own_storage(bucket: str, prefix: str) -> bool:
    """Rapport's own uploads and exports, which belong to every project, are never a lead's."""
    if settings.STORAGE_BACKEND != "s3" or bucket != settings.S3_BUCKET:
        return False
    own = settings.S3_PREFIX.strip("/")
    if not own or not prefix:
        return True
    # One holds the other, folder by folder ("prod" is not inside "pro").
    return f"{prefix}/".startswith(f"{own}/") or f"{own}/".startswith(f"{prefix}/")


def bucket_location_parse(*, text: str) -> BucketLocation:
    """The location a lead typed, checked against the operator's allow-list."""
    text = (text or "").strip()
    refused = BucketRefused(
        _(
            "%(location)s is not a bucket location Rapport may use. Give s3://bucket/prefix/ "
            "under one of the locations your operator allows (%(allowed)s)."
        )
        % {"location": text[:200] or "—", "allowed": ", ".join(allowed_locations()) or "—"}
    )
    if not text.startswith(SCHEME):
        raise refused
    bucket, _slash, prefix = text[len(SCHEME) :].partition("/")
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise refused
    parts = [part for part in prefix.split("/") if part]
    if any(part in (".", "..") or not _PREFIX_PART.fullmatch(part) for part in parts):
        raise refused
    prefix = "/".join(parts)
    if len(prefix) > 900 or not _allowed(bucket, prefix) or _is_own_storage(bucket, prefix):
        raise refused
    return BucketLocation(bucket=bucket, prefix=prefix)


def allowed_locations() -> list[str]:
    """The operator's allowed locations, as leads write them."""
    return [
        f"{SCHEME}{entry.strip().strip('/')}/"
        for entry in settings.BUCKETS_ALLOWED
        if entry.strip()
    ]


def bucket_client() -> Any:
    """A client of the operator's S3 service, with the operator's credentials."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.S3_ENDPOINT_URL,
        region_name=settings.S3_REGION,
        aws_access_key_id=settings.S3_ACCESS_KEY_ID,
        aws_secret_access_key=settings.S3_SECRET_ACCESS_KEY,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": settings.S3_ADDRESSING_STYLE}
            if settings.S3_ADDRESSING_STYLE
            else {},
            retries={"max_attempts": 3, "mode": "standard"},
        ),
    )


@dataclass(frozen=True)
class BucketObject:
    name: str  # relative to the location's prefix
    key: str
    size: int


def bucket_objects(*, location: BucketLocation, limit: int) -> list[BucketObject]:
    """The files under the location (folders' marker keys left out), sorted by name; refused
    past ``limit`` files."""
    client = bucket_client()
    start = f"{location.prefix}/" if location.prefix else ""
    found: list[BucketObject] = []
    try:
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=location.bucket, Prefix=start
        )
        for page in pages:
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith("/"):
                    continue
                found.append(BucketObject(key[len(start) :], key, int(obj["Size"])))
                if len(found) > limit:
                    raise BucketRefused(
                        _(
                            "%(location)s holds more than %(limit)d files; import them as a "
                            "few archives instead."
                        )
                        % {"location": location.uri, "limit": limit}
                    )
    except BucketRefused:
        raise
    except Exception as error:
        raise BucketRefused(_bucket_error(location, error)) from None
    return sorted(found, key=lambda obj: obj.name)


def bucket_read(*, location: BucketLocation, key: str) -> IO[bytes]:
    """A stream of one object's bytes (read as it is consumed)."""
    try:
        body = bucket_client().get_object(Bucket=location.bucket, Key=key)["Body"]
    except Exception as error:
        raise BucketRefused(_bucket_error(location, error)) from None
    return body


def bucket_write(*, location: BucketLocation, name: str, blocks: Iterator[bytes]) -> None:
    """Upload one file under the location, streamed in parts (never whole in memory)."""
    try:
        bucket_client().upload_fileobj(
            io.BufferedReader(BlockStream(blocks), buffer_size=1 << 20),
            location.bucket,
            location.key(name),
        )
    except Exception as error:
        raise BucketRefused(_bucket_error(location, error)) from None


def _bucket_error(location: BucketLocation, error: Exception) -> str:
    # The service's code and message only (NoSuchBucket, AccessDenied ...): never a response
    # body or the endpoint's address.
    code = (
        getattr(error, "response", {}).get("Error", {}).get("Code")
        if hasattr(error, "response")
        else None
    )
    return _("%(location)s could not be reached: %(reason)s") % {
        "location": location.uri,
        "reason": code or type(error).__name__,
    }
