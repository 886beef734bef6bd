"""Time and memory of a whole export from PostgreSQL, beside a raw ``COPY ... TO`` of the rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/export.py --kind sft --items 100000

The script makes its own database (the name in DATABASE_URL plus ``_exportbench``), migrates
it, fills it with bulk inserts (PostgreSQL COPY): one project, 100,000 approved session items
(ten turns each, two reviewers, three criteria) or 100,000 approved pair items (seven-turn
prompts, two candidates, two judgments). Then, each in a fresh process so its peak RSS is its
own, it times:

- the export: curation from the database (final scores, reviewer pseudonyms, flags, rules),
  grouping (sessions, personas, near-duplicate MinHash), seeded splitting, JSON Lines and
  Parquet files, card and manifest, exactly as ``export_build`` runs it;
- ``COPY (SELECT ...) TO STDOUT`` of the same rows (the turns, the scores or judgments), the
  floor any export from this database has to stand on.

With ``--storage s3`` the export is run twice, each in a fresh process: into the local disk,
and into a bucket of an S3 server on loopback (moto's standalone server, as the tests use),
where the built files are uploaded to the exports storage as ``export_version_build`` does
with STORAGE_BACKEND=s3 (data files first, the manifest last). Both are reported, with the
ratio of their wall and CPU times. The moto server runs in its own process, so its CPU is not
in the figures; on a real service the upload waits on the network instead.

It drops the database at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(48))

SUFFIX = "_exportbench"
# Issue 19 (it was 30 s for issue 7): 100,000 items of either kind in under 10 s.
TIME_TARGET = 10.0
RSS_TARGET_MB = 500.0


def _database_url(base: str) -> tuple[str, str, str]:
    """(server URL for CREATE DATABASE, the bench's URL, the bench database's name)."""
    head, _, name = base.rstrip("/").rpartition("/")
    bench = (name or "rapport") + SUFFIX
    return f"{head}/postgres", f"{head}/{bench}", bench


def _admin(server_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(statement)


def _setup_django() -> None:
    import django

    django.setup()


def _copy(cursor: Any, table: str, columns: list[str], rows: Any) -> int:
    """COPY rows in; columns the bench does not fill (fields added later) get their default."""
    from django.apps import apps
    from django.db import models

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    extra_columns, extra_values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or field.null or not field.has_default():
            continue
        value = field.get_default()
        extra_columns.append(field.column)
        extra_values.append(json.dumps(value) if isinstance(field, models.JSONField) else value)
    count = 0
    names = ", ".join(columns + extra_columns)
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, *extra_values))
            count += 1
    return count


def generate(kind: str, count: int) -> dict[str, Any]:
    """Fill the bench database with ``count`` approved items of the kind, by COPY."""
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench.export_pure import items as pure_items
    from core.models import Project
    from dialogues.models import ImportBatch
    from exports.items import ExportKind, SftSession
    from rubrics.models import Criterion, Rubric
    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    project = Project.objects.create(slug="bench", name="Bench")
    batch = ImportBatch.objects.create(project=project, name="bench.jsonl", status="imported")
    people = [UserFactory(username=f"bench-reviewer-{n}") for n in range(2)]
    rubric = Rubric.objects.create(
        slug="bench", version=1, status="published", scope="session", name={"en": "Bench"}
    )
    criteria = [
        Criterion.objects.create(
            rubric=rubric,
            position=n,
            code=code,
            title={"en": code},
            scale_min=0,
            scale_max=6,
            measurement="ordinal",
        )
        for n, code in enumerate(("empathy", "collaboration", "guided_discovery"))
    ]
    now = datetime.now(UTC)
    rng = random.Random(5)
    source = list(pure_items(ExportKind(kind), count))
    raw = connection.cursor()
    cursor = raw.cursor  # the psycopg cursor, for COPY
    sessions = (
        (
            n + 1,
            project.pk,
            batch.pk,
            item.source,
            item.item_id,
            item.language,
            "",
            "",
            json.dumps({"thought": item.persona} if item.persona else {}),
            "[]",
            f"{n:064x}",
            10,
            now,
        )
        for n, item in enumerate(source)
    )
    _copy(
        cursor,
        "dialogues_session",
        [
            "id",
            "project_id",
            "batch_id",
            "source_format",
            "source_id",
            "language",
            "topic",
            "generator_model",
            "metadata",
            "labels",
            "content_hash",
            "turn_count",
            "created_at",
        ],
        sessions,
    )

    def turns() -> Any:
        number = 0
        for n, item in enumerate(source):
            texts = item.turns if isinstance(item, SftSession) else item.prompt
            for index, turn in enumerate(texts):
                number += 1
                yield (number, n + 1, index, turn.speaker, turn.text)

    _copy(cursor, "dialogues_turn", ["id", "session_id", "index", "speaker", "text"], turns())
    pair = kind == "dpo"
    if pair:
        candidates = (
            (
                2 * n + 1 + side,
                n + 1,
                7,
                ("a", "b")[side],
                (item.chosen, item.rejected)[side],
                "bench",
                "imported",
                "{}",
                now,
            )
            for n, item in enumerate(source)
            for side in (0, 1)
        )
        _copy(
            cursor,
            "dialogues_candidate",
            [
                "id",
                "session_id",
                "turn_index",
                "key",
                "text",
                "model_name",
                "origin",
                "metadata",
                "created_at",
            ],
            candidates,
        )
    items = (
        (
            n + 1,
            project.pk,
            "pair" if pair else "session",
            n + 1,
            7 if pair else None,
            2 * n + 1 if pair else None,
            2 * n + 2 if pair else None,
            "approved",
            False,
            "{}",
            "",
            n,
            now,
            now,
        )
        for n in range(count)
    )
    _copy(
        cursor,
        "review_item",
        [
            "id",
            "project_id",
            "kind",
            "session_id",
            "turn_index",
            "candidate_a_id",
            "candidate_b_id",
            "status",
            "is_gold",
            "gold_scores",
            "gold_choice",
            "position",
            "created_at",
            "updated_at",
        ],
        items,
    )
    assignments = (
        (2 * n + 1 + r, n + 1, people[r].pk, "submitted", False, "", now, now)
        for n in range(count)
        for r in (0, 1)
    )
    _copy(
        cursor,
        "review_assignment",
        [
            "id",
            "item_id",
            "reviewer_id",
            "status",
            "swapped",
            "skip_reason",
            "created_at",
            "submitted_at",
        ],
        assignments,
    )
    if pair:
        judgments = (
            (
                2 * n + 1 + r,
                2 * n + 1 + r,
                n + 1,
                people[r].pk,
                "submitted",
                "a" if r == 0 or rng.random() < 0.8 else "b",
                2,
                "{}",
                "",
                1,
                now,
                now,
                now,
            )
            for n in range(count)
            for r in (0, 1)
        )
        _copy(
            cursor,
            "review_pairwisejudgment",
            [
                "id",
                "assignment_id",
                "item_id",
                "reviewer_id",
                "status",
                "choice",
                "strength",
                "principle_choices",
                "rationale",
                "version",
                "created_at",
                "updated_at",
                "submitted_at",
            ],
            judgments,
        )
    else:
        reviews = (
            (
                2 * n + 1 + r,
                2 * n + 1 + r,
                n + 1,
                people[r].pk,
                rubric.pk,
                "submitted",
                "",
                "[]",
                1,
                now,
                now,
                now,
            )
            for n in range(count)
            for r in (0, 1)
        )
        _copy(
            cursor,
            "review_review",
            [
                "id",
                "assignment_id",
                "item_id",
                "reviewer_id",
                "rubric_id",
                "status",
                "comment",
                "flags",
                "version",
                "created_at",
                "updated_at",
                "submitted_at",
            ],
            reviews,
        )

        def scores() -> Any:
            number = 0
            for review in range(1, 2 * count + 1):
                base = (review + 1) // 2 % 5 + 2
                for criterion in criteria:
                    number += 1
                    value = min(6, max(0, base + rng.choice((-1, 0, 0, 1))))
                    yield (number, review, criterion.pk, value, False, "", "[]")

        _copy(
            cursor,
            "review_score",
            [
                "id",
                "review_id",
                "criterion_id",
                "value",
                "not_applicable",
                "rationale",
                "evidence_turns",
            ],
            scores(),
        )
    connection.commit() if not connection.get_autocommit() else None
    # A database in service has been vacuumed and analysed since its rows were written: without
    # this, the export right after generation also paid for setting the new rows' hint bits and
    # ran beside autovacuum (17 to 22 s where the same export took 16 s a few minutes later).
    cursor.execute("VACUUM (ANALYZE)")
    return {"project": project.slug, "seconds": time.perf_counter() - started}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_export(kind: str, min_agreement: float | None) -> dict[str, Any]:
    _setup_django()
    from django.conf import settings

    from core import storage
    from core.models import Project
    from exports.models import ExportSpecification
    from exports.services.building import export_build, folder_publish

    project = Project.objects.get(slug="bench")
    specification = ExportSpecification(
        name="Bench",
        kind=kind,
        seed=1,
        min_reviewers=2,
        min_agreement={"empathy": min_agreement} if min_agreement is not None else {},
        min_scores={"empathy": "1"} if kind == "sft" else {},
    )
    before = _rss_mb()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        cpu = time.process_time()
        outcome = export_build(
            specification=specification,
            folder=Path(folder) / "export",
            built_at=datetime.now(UTC),
            project_ids=[project.pk],
        )
        built_wall = time.perf_counter() - started
        upload_wall = 0.0
        if settings.STORAGE_BACKEND == "s3":
            # Into the bucket as a build on STORAGE_BACKEND=s3 puts it (manifest last).
            uploading = time.perf_counter()
            folder_publish(
                folder=Path(folder) / "export",
                target=storage.exports_storage(),
                prefix="bench/v1",
                manifest=outcome.result.manifest,
            )
            upload_wall = time.perf_counter() - uploading
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        size = sum(f["bytes"] for f in outcome.result.manifest["files"])
    report = outcome.result.manifest["split_report"]
    return {
        "wall": wall,
        "cpu": cpu,
        "storage": settings.STORAGE_BACKEND,
        "upload_wall": upload_wall,
        "build_wall": built_wall,
        "rss_before_mb": before,
        "peak_rss_mb": _rss_mb(),
        "rows": report["rows"],
        "groups": report["groups"],
        "links": report["links"],
        "splits": {k: v["rows"] for k, v in report["splits"].items()},
        "bytes": size,
        "kept": outcome.stats.kept,
        "left_out": dict(outcome.stats.left_out),
        "agreement": {a.code: a.alpha for a in outcome.agreement},
    }


def measure_copy(kind: str) -> dict[str, Any]:
    """COPY TO of the rows the export reads: turns, and the scores or the judgments and
    candidates, of the approved items."""
    _setup_django()
    from django.db import connection

    queries = [
        "SELECT t.session_id, t.index, t.speaker, t.text FROM dialogues_turn t "
        "JOIN review_item i ON i.session_id = t.session_id WHERE i.status = 'approved' "
        "ORDER BY t.session_id, t.index",
    ]
    if kind == "sft":
        queries.append(
            "SELECT r.item_id, r.reviewer_id, s.criterion_id, s.value FROM review_score s "
            "JOIN review_review r ON r.id = s.review_id WHERE r.status = 'submitted'"
        )
    else:
        queries += [
            "SELECT j.item_id, j.reviewer_id, j.choice FROM review_pairwisejudgment j "
            "WHERE j.status = 'submitted'",
            "SELECT c.id, c.text FROM dialogues_candidate c",
        ]
    cursor = connection.cursor().cursor
    started = time.perf_counter()
    size = 0
    for query in queries:
        with cursor.copy(f"COPY ({query}) TO STDOUT") as copy:
            for block in copy:
                size += len(block)
    return {"wall": time.perf_counter() - started, "bytes": size}


def _phase(
    args: argparse.Namespace, phase: str, url: str, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--kind", args.kind]
    command += ["--items", str(args.items)]
    if args.min_agreement is not None:
        command += ["--min-agreement", str(args.min_agreement)]
    env = {**os.environ, "DATABASE_URL": url, "STORAGE_BACKEND": "local", **(extra_env or {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        # The phase's own traceback, not only "returned non-zero exit status 1".
        sys.stderr.write(done.stderr)
        sys.exit(f"the {phase} phase failed (exit status {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _s3_export(args: argparse.Namespace, url: str) -> dict[str, Any]:
    """The export phase with its exports storage in a fresh bucket of a moto server."""
    import boto3

    from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, _free_port

    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                client.create_bucket(Bucket="rapport-bench")
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return _phase(
            args,
            "export",
            url,
            {
                "STORAGE_BACKEND": "s3",
                "S3_ENDPOINT_URL": endpoint,
                "S3_REGION": REGION,
                "S3_ACCESS_KEY_ID": ACCESS_KEY,
                "S3_SECRET_ACCESS_KEY": SECRET_KEY,
                "S3_ADDRESSING_STYLE": "path",
                "S3_BUCKET": "rapport-bench",
                "S3_PREFIX": "rapport",
            },
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=["sft", "dpo"], default="sft")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--min-agreement", type=float, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--storage",
        choices=["local", "s3"],
        default="local",
        help="s3: also export into an S3 server on loopback, beside the local disk",
    )
    parser.add_argument("--phase", choices=["generate", "export", "copy"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "generate":
        print(json.dumps(generate(args.kind, args.items)))
        return
    if args.phase == "export":
        print(json.dumps(measure_export(args.kind, args.min_agreement)))
        return
    if args.phase == "copy":
        print(json.dumps(measure_copy(args.kind)))
        return
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1/x")
    server, url, name = _database_url(base)
    _admin(server, f'DROP DATABASE IF EXISTS "{name}"')
    _admin(server, f'CREATE DATABASE "{name}"')
    try:
        generated = _phase(args, "generate", url)
        copied = _phase(args, "copy", url)
        export = _phase(args, "export", url)
        in_bucket = _s3_export(args, url) if args.storage == "s3" else None
    finally:
        if not args.keep:
            _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    ratio = export["wall"] / copied["wall"] if copied["wall"] else float("inf")
    print(
        f"{args.items} approved {args.kind} items generated by COPY in {generated['seconds']:.1f} s"
    )
    print(f"rows {export['rows']}, groups {export['groups']}, links {export['links']}")
    print(f"splits {export['splits']}; files {export['bytes'] / 1e6:.1f} MB; kept {export['kept']}")
    if export["left_out"]:
        print(f"left out {export['left_out']}")
    if export["agreement"]:
        print(f"agreement {export['agreement']}")
    print(
        f"export (curation, grouping, splitting, JSONL + Parquet): {export['wall']:.1f} s wall, "
        f"{export['cpu']:.1f} s CPU, peak RSS {export['peak_rss_mb']:.0f} MB "
        f"({export['rss_before_mb']:.0f} MB after start-up)"
    )
    print(f"raw COPY TO of the same rows: {copied['wall']:.2f} s ({copied['bytes'] / 1e6:.1f} MB)")
    print(
        f"ratio export / COPY: {ratio:.1f}x; cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}"
    )
    if in_bucket is not None:
        print(
            f"into the S3 server (moto on loopback): {in_bucket['wall']:.1f} s wall "
            f"(build {in_bucket['build_wall']:.1f} s, upload {in_bucket['upload_wall']:.1f} s), "
            f"{in_bucket['cpu']:.1f} s CPU, peak RSS {in_bucket['peak_rss_mb']:.0f} MB"
        )
        print(
            f"ratio S3 / local disk: {in_bucket['wall'] / export['wall']:.2f}x wall, "
            f"{in_bucket['cpu'] / export['cpu']:.2f}x CPU; load {os.getloadavg()[0]:.1f}"
        )
        # The second process finds PostgreSQL's cache warm, so its build may well be the faster
        # one; the upload on top of the same build is the cost of the bucket.
        with_upload = (export["wall"] + in_bucket["upload_wall"]) / export["wall"]
        print(
            f"the upload alone: {in_bucket['upload_wall']:.1f} s for "
            f"{export['bytes'] / 1e6:.1f} MB; local build plus upload / local build: "
            f"{with_upload:.2f}x"
        )
    over = export["wall"] > TIME_TARGET or export["peak_rss_mb"] > RSS_TARGET_MB
    if over:
        print(f"OVER TARGET ({TIME_TARGET:.0f} s, {RSS_TARGET_MB:.0f} MB)")
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
