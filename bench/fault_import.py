"""Reviewer writes while a large import runs in their project, against the same writes without it.

Issue 15 found that a 25,000-session import froze every reviewer of its project (and, with
gunicorn, the whole site): the import held a lock on the project row that every reviewer write
waits for. This bench checks that it stays fixed, end to end:

1. makes a fresh PostgreSQL database (the one ``DATABASE_URL`` names, which must contain
   "bench"; dropped afterwards unless ``--keep``), migrates it and seeds a review project with
   ``--items`` sessions and ``--reviewers`` signed-in reviewers (bench/review_load.py's seed);
2. writes a Cactus file of ``--sessions`` sessions (bench/import.py's generator);
3. serves Rapport with gunicorn in production mode and starts a Celery worker (one process, the
   ``celery -A config worker`` of docs/deploy.md) on the configured broker
   (``CELERY_BROKER_URL``; without one, the filesystem queue, in a folder of its own);
4. for ``--baseline`` seconds, the reviewers work as the browser does (next item, the scoring
   page, a draft save, the submit), one closed-loop thread and keep-alive connection each
   (bench/review_load.py's Reviewer), with no import running;
5. uploads the file into the same project through the import service and queues it as the upload
   page does (``import_batch_create``, ``import_batch_start``); the worker runs the real import
   job while the same reviewers keep working, until the job has finished.

The reviewer writes are the draft saves and the submits. For each phase it prints their p50 and
p95 as the reviewer waited for them (client time: it includes any wait for a free gunicorn
worker, which is where the freeze showed) and as the application spent them (the
``Server-Timing`` that bench/review_load.py's WSGI wrapper adds), the ratio of the two client
p95s, the import's own figures, the CPU seconds of each side and the load average. Exits 1 when
the ratio is over ``--max-ratio`` (2), when the import did not succeed, or when a write failed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_fault \\
        .venv/bin/python bench/fault_import.py [--sessions 30000] [--reviewers 8]
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.review_load import (  # noqa: E402
    PROJECT_SLUG,
    Reviewer,
    Sample,
    free_port,
    manage,
    percentile,
    process_cpu_seconds,
    recreate_database,
    seed,
    server_env,
    start_gunicorn,
    worker_pids,
)

# "import" is a keyword, so bench/import.py is reached by name.
import_bench = importlib.import_module("bench.import")

WRITES = ("draft save", "submit")


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def stop(process: subprocess.Popen[Any] | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def work_while(reviewers: list[Reviewer], going: Callable[[], bool]) -> float:
    """Every reviewer works in its own thread while ``going()``; returns the seconds it took.

    Each thread runs the reviewer's own loop in one-second spans, asking in between whether to
    go on, so the phase ends within about one item of ``going()`` turning false.
    """

    def loop(reviewer: Reviewer) -> None:
        while going() and not reviewer.failures:
            before = reviewer.submitted
            reviewer.run(time.monotonic() + 1.0)
            if reviewer.submitted == before and not reviewer.failures:
                return  # the queue is empty for this reviewer

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def writes(reviewers: list[Reviewer], since: list[int]) -> list[Sample]:
    return [
        sample
        for reviewer, start in zip(reviewers, since, strict=True)
        for sample in reviewer.samples[start:]
        if sample.step in WRITES
    ]


def describe(name: str, samples: list[Sample], seconds: float) -> dict[str, float]:
    client = [s.client_ms for s in samples]
    server = [s.server_ms for s in samples if s.server_ms is not None]
    if not client:
        print(f"{name}: no reviewer writes in {seconds:.1f} s")
        return {"p95": float("nan")}
    figures = {
        "p50": statistics.median(client),
        "p95": percentile(client, 0.95),
        "max": max(client),
        "server_p95": percentile(server, 0.95) if server else float("nan"),
    }
    by_step = {step: sum(1 for s in samples if s.step == step) for step in WRITES}
    print(
        f"{name}: {len(client)} writes in {seconds:.1f} s ({by_step['draft save']} draft saves, "
        f"{by_step['submit']} submits); waited p50 {figures['p50']:.1f} ms, "
        f"p95 {figures['p95']:.1f} ms, max {figures['max']:.1f} ms; "
        f"application p95 {figures['server_p95']:.1f} ms; load average "
        f"{os.getloadavg()[0]:.2f}",
        flush=True,
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30_000, help="sessions in the import")
    parser.add_argument("--reviewers", type=int, default=8)
    parser.add_argument("--items", type=int, default=6000, help="review items already there")
    parser.add_argument("--turns", type=int, default=12, help="turns per review item")
    parser.add_argument("--baseline", type=float, default=30, help="seconds without the import")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--max-ratio", type=float, default=2.0)
    parser.add_argument(
        "--import-timeout", type=float, default=1800, help="seconds to wait for the import job"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if (
        not database_url.startswith(("postgres://", "postgresql://"))
        or "bench" not in (database_url.rsplit("/", 1)[-1])
    ):
        print("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="rapport-bench-fault-"))
    env = server_env(database_url, str(scratch / "static"))
    env["RAPPORT_VAR_DIR"] = str(scratch / "var")
    if not env.get("CELERY_BROKER_URL", "").strip():
        env["CELERY_FILESYSTEM_DIR"] = str(scratch / "queue")
    server = worker = None
    failures: list[str] = []
    try:
        recreate_database(database_url)
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        seeded = seed(reviewers=args.reviewers, items=args.items, turns=args.turns)
        from django.db import connection, connections

        from core.models import Job, Project
        from dialogues.models import Session
        from dialogues.services.imports import Upload, import_batch_create, import_batch_start

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        source = scratch / "cactus.json"
        import_bench.cactus_write(source, sessions=args.sessions)
        size_mb = source.stat().st_size / 1024**2
        connections.close_all()

        port = free_port()
        server = start_gunicorn(env, port, args.workers, 1)
        worker = start_worker(env)
        print(
            f"{args.reviewers} reviewers on {args.items} items; gunicorn {args.workers} workers; "
            f"a Celery worker on {env.get('CELERY_BROKER_URL') or 'the filesystem queue'}; "
            f"import of {args.sessions:,} Cactus sessions ({size_mb:,.0f} MB); "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        reviewers = [Reviewer(port, p, seeded.criteria, "pages") for p in seeded.reviewers]
        web = worker_pids(server)

        # 1. Without the import.
        deadline = time.monotonic() + args.baseline
        cpu_web = process_cpu_seconds(web)
        quiet_seconds = work_while(reviewers, lambda: time.monotonic() < deadline)
        quiet_cpu = process_cpu_seconds(web) - cpu_web
        quiet = writes(reviewers, [0] * len(reviewers))
        marks = [len(reviewer.samples) for reviewer in reviewers]

        # 2. The same work while the import runs in the same project.
        project = Project.objects.get(slug=PROJECT_SLUG)
        sessions_before = Session.objects.filter(project=project).count()
        with source.open("rb") as handle:
            batch = import_batch_create(
                project=project, user=None, uploads=[Upload(source.name, handle)]
            )
        job = import_batch_start(batch=batch, user=None)
        connections.close_all()

        give_up = time.monotonic() + args.import_timeout

        def importing() -> bool:
            if worker is None or worker.poll() is not None or time.monotonic() > give_up:
                return False  # the worker died or the job hangs: reported below
            status = Job.objects.filter(pk=job.pk).values_list("status", flat=True).first()
            return status not in Job.FINISHED

        # The phase starts when the worker has taken the job, not while it waits in the queue.
        while importing() and Job.objects.get(pk=job.pk).status == Job.Status.QUEUED:
            time.sleep(0.1)
        cpu_web, cpu_worker = process_cpu_seconds(web), process_cpu_seconds([worker.pid])
        loaded_seconds = work_while(reviewers, importing)
        loaded_cpu = process_cpu_seconds(web) - cpu_web
        import_cpu = process_cpu_seconds([worker.pid]) - cpu_worker
        # Reviewers may have run out of items before the import ended: wait for it to report.
        while importing():
            time.sleep(0.5)
        loaded = writes(reviewers, marks)
        job.refresh_from_db()
        imported = Session.objects.filter(project=project).count() - sessions_before
        connections.close_all()
    finally:
        stop(worker)
        stop(server)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            recreate_database(database_url, drop_only=True)
        shutil.rmtree(scratch, ignore_errors=True)

    ran = (
        (job.finished_at - job.started_at).total_seconds()
        if job.started_at and job.finished_at
        else float("nan")
    )
    print(
        f"import (Celery worker): job {job.status}, {imported:,} sessions in {ran:.1f} s; "
        f"worker CPU {import_cpu:.1f} s; reviewers worked beside it for {loaded_seconds:.1f} s; "
        f"gunicorn CPU {quiet_cpu:.1f} s without the import, {loaded_cpu:.1f} s with it"
    )
    without = describe("reviewer writes without the import", quiet, quiet_seconds)
    with_import = describe("reviewer writes during the import", loaded, loaded_seconds)
    ratio = with_import["p95"] / without["p95"]
    verdict = "within" if ratio <= args.max_ratio else "OVER"
    print(
        f"p95 without {without['p95']:.1f} ms, during the import {with_import['p95']:.1f} ms: "
        f"ratio {ratio:.2f}, {verdict} the limit of {args.max_ratio:g}; load average "
        f"{', '.join(f'{value:.2f}' for value in os.getloadavg())}"
    )
    if job.status != Job.Status.SUCCEEDED or imported != args.sessions:
        failures.append(f"import {job.status} with {imported} of {args.sessions} sessions")
    if not loaded:
        failures.append("no reviewer write ran during the import (too few items?)")
    failures += [failure for reviewer in reviewers for failure in reviewer.failures]
    for failure in failures[:5]:
        print(f"FAILED {failure}")
    return 0 if ratio <= args.max_ratio and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
