"""A real Celery worker process runs a Job from queued to done, reporting progress.

The broker is CELERY_BROKER_URL when set (CI sets Redis) and otherwise the broker-less
filesystem transport that `make demo` uses; either way a separate worker process picks the
job up from the broker and writes to the test database. RabbitMQ is tried as well at
RABBITMQ_URL (by default the guest account on this machine), and skipped when it does not answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core import jobs
from core.models import Job
from tests import jobtasks
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# Longer than a redelivery takes to arrive (so that it finds the heartbeat still fresh), short
# enough that a killed worker's job is taken over within the tests' patience.
STALE_AFTER = 15


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
            {
                "data_folder_in": folder,
                "data_folder_out": folder,
                "control_folder": str(Path(folder).parent / "control"),
            }
            if folder
            else {}
        ),
        task_default_queue=queue,
    )
    # Celery reads the CELERY_BROKER_URL environment variable before its own setting, so the
    # variable must name this broker too (CI sets it to Redis; a test may use RabbitMQ).
    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url
    _forget_connections()
    try:
        yield
    finally:
        conf.update(saved)
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env
        _forget_connections()


def _forget_connections() -> None:
    # The app caches its broker connection pool on first use; drop it so the next send
    # connects to the broker configured now.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu also keeps producer pools per broker address, process-wide: a second test on the
    # same broker would otherwise be handed the pool closed above.
    kombu.pools.reset()


def _rabbitmq() -> str:
    """RABBITMQ_URL, or a skip saying why when nothing answers there."""
    from kombu import Connection

    try:
        with Connection(RABBITMQ_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:  # any failure to connect means: no RabbitMQ to test against
        pytest.skip(f"RabbitMQ does not answer at {RABBITMQ_URL} ({error}); set RABBITMQ_URL")
    return RABBITMQ_URL


@contextmanager
def worker(
    broker_url: str,
    broker_env: dict[str, str],
    queue: str,
    *,
    pool: str = "solo",
    extra_env: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """A `celery worker` process on ``queue``; stopped (and its output kept) on the way out."""
    env = {
        **os.environ,
        **broker_env,
        **(extra_env or {}),
        "DJANGO_SETTINGS_MODULE": "tests.core.worker_settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "JOB_STALE_AFTER_SECONDS": str(STALE_AFTER),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--queues",
            queue,
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
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)


def _queue() -> str:
    # A queue of its own, so no other worker on the same broker takes the job.
    return f"rapport-test-{uuid.uuid4().hex[:8]}"


def _enqueue(broker_url: str, broker_env: dict[str, str], queue: str, **params) -> Job:  # type: ignore[no-untyped-def]
    with real_broker(broker_url, broker_env, queue):
        return jobs.job_enqueue(
            kind="tests.count", task=jobtasks.count, params=params, user=UserFactory()
        )


def _wait(job: Job, until, seconds: float = 90) -> set[int]:  # type: ignore[no-untyped-def]
    """Poll the job until ``until(job)``; the progress values seen on the way."""
    seen: set[int] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.progress_done)
        if until(job):
            break
        time.sleep(0.05)
    return seen


def _running(job: Job) -> bool:
    return job.status == Job.Status.RUNNING and job.progress_done >= 1


def _finished(job: Job) -> bool:
    return job.is_finished


def _children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [int(line) for line in out.split()]


def _output(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        output, _ = process.communicate(timeout=30)
    except (subprocess.TimeoutExpired, ValueError):
        return ""
    return (output or "")[-3000:]


def _takes_a_job_to_done(broker_url: str, broker_env: dict[str, str]) -> None:
    queue = _queue()
    with worker(broker_url, broker_env, queue) as process:
        job = _enqueue(broker_url, broker_env, queue, steps=5, pause=0.4)
        seen_progress = _wait(job, _finished)
        assert job.status == Job.Status.SUCCEEDED, _output(process)
    assert job.result == {"counted": 5}
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.attempts == 1
    # The progress was visible while the worker ran, not only at the end.
    assert seen_progress & {1, 2, 3, 4}, seen_progress


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_takes_a_job_from_queued_to_done_with_progress(tmp_path: Path) -> None:
    _takes_a_job_to_done(*_broker(tmp_path))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_pool_process_is_killed_comes_back_and_finishes(tmp_path: Path) -> None:
    """The process running the job dies (out of memory, kill -9): the job is not lost.

    Celery puts the message back at once; its new delivery finds the job still "running" with a
    recent heartbeat, waits until that heartbeat is stale, then takes the job over.
    """
    broker_url, broker_env = _broker(tmp_path)
    queue = _queue()
    with worker(broker_url, broker_env, queue, pool="prefork") as process:
        job = _enqueue(broker_url, broker_env, queue, steps=6, pause=0.3)
        _wait(job, _running)
        assert _running(job), _output(process)
        (child,) = _children(process.pid)
        os.kill(child, signal.SIGKILL)
        _wait(job, _finished, seconds=STALE_AFTER + 45)
        assert job.status == Job.Status.SUCCEEDED, _output(process)
    assert job.attempts == 2
    assert job.result == {"counted": 6}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_rabbitmq_takes_a_job_to_done() -> None:
    _takes_a_job_to_done(_rabbitmq(), {})


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_on_rabbitmq_a_killed_workers_job_is_taken_over_by_another_worker() -> None:
    """RabbitMQ hands an unacknowledged message to another consumer as soon as the first's
    connection drops; that delivery must not be dropped while the heartbeat is still recent."""
    broker_url = _rabbitmq()
    queue = _queue()
    with worker(broker_url, {}, queue) as first:
        job = _enqueue(broker_url, {}, queue, steps=6, pause=0.3)
        _wait(job, _running)
        assert _running(job), _output(first)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    with worker(broker_url, {}, queue) as second:
        _wait(job, _finished, seconds=STALE_AFTER + 45)
        assert job.status == Job.Status.SUCCEEDED, _output(second)
    assert job.attempts == 2
