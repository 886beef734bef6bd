"""What a lead may name as a bucket location: only prefixes of the operator's allow-list, at the
operator's endpoint; never another bucket, a local path, a host, or Rapport's own storage."""

from __future__ import annotations

import pytest

from core.buckets import BucketRefused, bucket_location_parse


@pytest.fixture(autouse=True)
def _allowed(settings):
    settings.BUCKETS_ALLOWED = ["datasets/incoming", "training-exports"]
    # Rapport's own storage shares a bucket with a training team's folder.
    settings.STORAGE_BACKEND = "s3"
    settings.S3_BUCKET = "training-exports"
    settings.S3_PREFIX = "rapport"


@pytest.mark.parametrize(
    ("text", "bucket", "prefix"),
    [
        ("s3://datasets/incoming/", "datasets", "incoming"),
        ("s3://datasets/incoming/cactus/2026", "datasets", "incoming/cactus/2026"),
        ("  s3://datasets/incoming//cactus/ ", "datasets", "incoming/cactus"),
        ("s3://training-exports/clinic/", "training-exports", "clinic"),
        ("s3://training-exports/rap/", "training-exports", "rap"),
    ],
)
def test_a_location_under_an_allowed_prefix_is_accepted(text, bucket, prefix) -> None:
    location = bucket_location_parse(text=text)

    assert (location.bucket, location.prefix) == (bucket, prefix)


@pytest.mark.parametrize(
    "text",
    [
        "file:///etc/passwd",
        "/var/lib/rapport/media",
        "http://169.254.169.254/latest/meta-data/",
        "https://datasets.s3.amazonaws.com/incoming/",
        "s3://other-bucket/incoming/",
        "s3://datasets/",
        "s3://datasets/incomingX/",
        "s3://datasets/elsewhere/",
        "s3://datasets/incoming/../private/",
        "s3://datasets/incoming/./../x",
        "s3://127.0.0.1:9000/datasets/incoming/",
        "s3://user@datasets/incoming/",
        "s3://localhost/incoming/",
        "s3://DATASETS/incoming/",
        "s3://datasets/incoming/\x00/",
        "s3://datasets/incoming\\..\\private/",
        "",
        # Rapport's own uploads and exports, which hold every project's data.
        "s3://training-exports/rapport/",
        "s3://training-exports/rapport/imports/1/upload/",
        "s3://training-exports/",
    ],
)
def test_anything_else_is_refused(text) -> None:
    with pytest.raises(BucketRefused, match="not a bucket location Rapport may use"):
        bucket_location_parse(text=text)


def test_with_no_allow_list_nothing_is_allowed(settings) -> None:
    settings.BUCKETS_ALLOWED = []

    with pytest.raises(BucketRefused):
        bucket_location_parse(text="s3://datasets/incoming/")
