"""Where uploads and built exports are kept when they live in an S3 bucket (STORAGE_BACKEND=s3).

Web processes and workers on different hosts then share them without a shared disk
(docs/deploy.md#object-storage); config.settings picks these or the local ones.
"""

from __future__ import annotations


def s3_storages(
    *,
    bucket: str,
    prefix: str,
    endpoint_url: str | None,
    region: str | None,
    access_key: str | None,
    secret_key: str | None,
    addressing_style: str | None,
    presigned_seconds: int,
) -> dict[str, dict[str, object]]:
    """The "uploads" and "exports" storages in one bucket (django-storages' S3Storage)."""

    def options(location: str) -> dict[str, object]:
        return {
            "bucket_name": bucket,
            "location": location,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "addressing_style": addressing_style,
            "signature_version": "s3v4",
            # Keys are chosen by Rapport (batch and version ids); one never renames another.
            "file_overwrite": True,
            "default_acl": None,
            "querystring_expire": presigned_seconds,
        }

    backend = "storages.backends.s3.S3Storage"
    return {
        "uploads": {"BACKEND": backend, "OPTIONS": options(prefix)},
        "exports": {
            "BACKEND": backend,
            "OPTIONS": options("/".join(part for part in (prefix, "exports") if part)),
        },
    }
