"""A real S3 protocol server on loopback for the object storage tests: moto's standalone server,
started once per test process on a free port, and a fresh bucket per test.

Rapport talks to it exactly as to any S3-compatible service: through django-storages and boto3
over HTTP, with the endpoint, keys, region and addressing style of the operator's settings.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from config.settings import LOCAL_STORAGES
from config.storages import s3_storages

ACCESS_KEY = "rapport-test-key"
SECRET_KEY = "rapport-test-secret"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto server of this test process's own."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the S3 test server did not start") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def s3_client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@dataclass
class Bucket:
    """The bucket the test's storages use, and a client to look inside it."""

    endpoint: str
    name: str
    prefix: str
    client: Any

    def keys(self, under: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=under
        )
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def read(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data)


def new_bucket(endpoint: str) -> Bucket:
    name = f"rapport-{uuid.uuid4().hex[:12]}"
    client = s3_client(endpoint)
    client.create_bucket(Bucket=name)
    return Bucket(endpoint=endpoint, name=name, prefix="rapport", client=client)


def s3_settings(bucket: Bucket) -> dict[str, Any]:
    """The settings an operator would give for this bucket (docs/deploy.md)."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": bucket.endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_ADDRESSING_STYLE": "path",
        "S3_BUCKET": bucket.name,
        "S3_PREFIX": bucket.prefix,
    }


def s3_storages_for(bucket: Bucket, *, presigned_seconds: int = 300) -> dict[str, Any]:
    return s3_storages(
        bucket=bucket.name,
        prefix=bucket.prefix,
        endpoint_url=bucket.endpoint,
        region=REGION,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        addressing_style="path",
        presigned_seconds=presigned_seconds,
    )


@pytest.fixture
def s3_bucket(s3_server: str, settings: Any) -> Bucket:
    """Uploads and exports of this test go to a fresh bucket of the S3 test server."""
    bucket = new_bucket(s3_server)
    for name, value in s3_settings(bucket).items():
        setattr(settings, name, value)
    settings.STORAGES = {
        **{k: v for k, v in settings.STORAGES.items() if k not in LOCAL_STORAGES},
        **s3_storages_for(bucket),
    }
    return bucket
