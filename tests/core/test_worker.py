"""A real Celery worker process runs a Job from queued to done, reporting progress.

The broker is CELERY_BROKER_URL when set (CI sets Redis) and otherwise the broker-less
filesystem transport that `make demo` uses; either way a separate worker process picks the
job up from the broker and writes to the test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core import jobs
from core.models import Job
from tests import jobtasks
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _broker(tmp_path: Path) -> tuple[str, dict[str, str]]:
    url = os.environ.get("CELERY_BROKER_URL", "").strip()
    if url and not url.startswith("filesystem://"):
        return url, {}
    queue = tmp_path / "queue"
    queue.mkdir()
    return "filesystem://", {"CELERY_FILESYSTEM_DIR": str(queue)}


@contextmanager
def real_broker(url: str, extra_env: dict[str, str], queue: str) -> Iterator[None]:
    """Point the app at a real broker for one test (the suite otherwise runs jobs inline)."""
    conf = celery_app.conf
    keys = ["task_always_eager", "broker_url", "broker_transport_options", "task_default_queue"]
    saved = {key: conf[key] for key in keys}
    folder = extra_env.get("CELERY_FILESYSTEM_DIR")
    conf.update(
        task_always_eager=False,
        broker_url=url,
        broker_transport_options=(
            {"data_folder_in": folder, "data_folder_out": folder} if folder else {}
        ),
        task_default_queue=queue,
    )
    _forget_connections()
    try:
        yield
    finally:
        conf.update(saved)
        _forget_connections()


def _forget_connections() -> None:
    # The app caches its broker connection pool on first use; drop it so the next send
    # connects to the broker configured now.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_takes_a_job_from_queued_to_done_with_progress(tmp_path: Path) -> None:
    broker_url, broker_env = _broker(tmp_path)
    # A queue of its own, so no other worker on the same broker takes the job.
    queue_name = f"rapport-test-{uuid.uuid4().hex[:8]}"

    env = {
        **os.environ,
        **broker_env,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": settings.SECRET_KEY,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue_name,
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with real_broker(broker_url, broker_env, queue_name):
            job = jobs.job_enqueue(
                kind="tests.count",
                task=jobtasks.count,
                params={"steps": 5, "pause": 0.4},
                user=UserFactory(),
            )

        seen_progress: set[int] = set()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job.refresh_from_db()
            seen_progress.add(job.progress_done)
            if job.is_finished:
                break
            time.sleep(0.05)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    assert job.status == Job.Status.SUCCEEDED, output[-3000:]
    assert job.result == {"counted": 5}
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.attempts == 1
    # The progress was visible while the worker ran, not only at the end.
    assert seen_progress & {1, 2, 3, 4}, seen_progress
