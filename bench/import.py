"""Import throughput against the floor of a raw PostgreSQL COPY of the same rows.

Run from the repository root, against a PostgreSQL database used for nothing else (its name must
contain "bench"; the script empties the dialogues tables between runs):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench .venv/bin/python bench/import.py

It generates, deterministically, 30,000 Cactus-layout sessions of 20 turns (a JSON list of about
100 MB) and 36,000 PsychoCounsel-Preference pairs (JSONL), imports each through the same service
as the upload page (format detection, validation, normalisation, de-duplication, screening,
writing), and beside it times a raw COPY of the same rows into the same tables. It prints
sessions/s, turns/s, peak RSS of the importing process, the floor and the ratio, and exits with
status 1 when a target is missed. ``--scale 10`` imports files ten times the size.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 10.0
TARGET_RSS_MB = 400.0
CACTUS_SESSIONS = 30_000
TURNS_PER_SESSION = 20
PSYCHOCOUNSEL_PAIRS = 36_000

VOCABULARY = """
    i you feel think always never work family sleep anxious worried tired friends
    school exam future mother father partner job boss deadline failure mistake
    evidence thought situation notice pattern try small step week plan together
    believe everyone nobody should must could maybe sometimes often because when
    really very quite hard easy better worse help understand listen important
    afraid angry sad calm breathe walk write journal morning evening night weekend
    the a of to and in that it is was for on with as at this but not be have
"""
WORDS = VOCABULARY.split()
TECHNIQUES = (
    "Decatastrophizing",
    "Evidence-Based Questioning",
    "Reality Testing",
    "Alternative Perspective",
    "Behavior Experiment",
    "Problem-Solving Skills Training",
)
PATTERNS = ("labeling", "mind reading", "overgeneralization", "catastrophizing", "personalization")
PRINCIPLES = ("empathy", "relevance", "clarity", "safety", "exploration", "autonomy", "staging")


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _utterance(rng: random.Random) -> str:
    return " ".join(_sentence(rng, 6, 14) for _ in range(rng.randint(1, 3)))


def cactus_write(path: Path, *, sessions: int, seed: int = 7) -> None:
    """A Cactus training-layout JSON list, written as a stream so memory stays flat."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for number in range(sessions):
            lines = []
            for turn in range(TURNS_PER_SESSION):
                label = "Counselor" if turn % 2 == 0 else "Client"
                lines.append(f"{label}: {_utterance(rng)}")
            record = {
                "id": f"cactus-{number}",
                "thought": _sentence(rng, 8, 14),
                "patterns": rng.sample(PATTERNS, 2),
                "attitude": rng.choice(("positive", "neutral", "negative")),
                "cbt_technique": rng.choice(TECHNIQUES),
                "cbt_plan": " ".join(_sentence(rng, 8, 12) for _ in range(3)),
                "intake_form": f"Name: client {number}\nAge: {rng.randint(18, 70)}\n"
                + _sentence(rng, 10, 20),
                "dialogue": "\n".join(lines),
            }
            out.write(("," if number else "") + json.dumps(record) + "\n")
        out.write("]\n")


def psychocounsel_write(path: Path, *, pairs: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(pairs):
            record: dict[str, Any] = {
                "question": f"({number}) " + _utterance(rng),
                "chosen": _utterance(rng) + " " + _utterance(rng),
                "rejected": _utterance(rng),
                "chosen_model": rng.choice(("gpt-4o", "llama-3-70b", "qwen2-72b")),
                "rejected_model": rng.choice(("mistral-7b", "gemma-2-9b", "llama-3-8b")),
            }
            for side, base in (("chosen", 4), ("rejected", 2)):
                for principle in PRINCIPLES:
                    record[f"{side}_{principle}_rating"] = min(5, max(1, base + rng.randint(-1, 1)))
            out.write(json.dumps(record) + "\n")


# --- Runs in a child process so peak RSS belongs to the import alone ---------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production settings: with DEBUG on, Django keeps the text of recent queries, which a long
    # import would count as its own memory.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    import django

    django.setup()


def _empty_tables(*, batches: bool = True) -> None:
    from django.db import connection

    tables = (
        "dialogues_flag, dialogues_sourcerating, dialogues_sourcepreference, "
        "dialogues_candidate, dialogues_turn, dialogues_session"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {tables}{', dialogues_importbatch' if batches else ''} "
            "RESTART IDENTITY CASCADE"
        )


def child_import(path: Path) -> dict[str, Any]:
    _django()
    from core.models import Project
    from dialogues.models import Turn
    from dialogues.services.imports import Upload, import_batch_create, import_batch_run

    _empty_tables()
    project, _created = Project.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = import_batch_create(project=project, user=None, uploads=[Upload(path.name, handle)])
    outcome = import_batch_run(batch_id=batch.pk)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "status": str(outcome.status),
        "sessions": outcome.sessions_created,
        "turns": Turn.objects.count(),
        "candidates": outcome.candidates_created,
        "invalid": outcome.invalid,
        "errors": outcome.errors[:3],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_floor(path: Path) -> dict[str, Any]:
    """COPY the rows the import wrote, dumped to files first, into the same tables, and commit.

    Committing matters: the foreign keys are deferred, so they are checked at commit.
    """
    _django()
    from django.db import connection, transaction

    tables = {}
    with connection.cursor() as cursor:
        for table in (
            "dialogues_session",
            "dialogues_turn",
            "dialogues_candidate",
            "dialogues_sourcepreference",
            "dialogues_sourcerating",
        ):
            dump = path.with_suffix(f".{table}.copy")
            with dump.open("wb") as out, cursor.cursor.copy(f"COPY {table} TO STDOUT") as copy:
                for block in copy:
                    out.write(block)
            tables[table] = dump
        _empty_tables(batches=False)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, dump in tables.items():
            with dump.open("rb") as source, cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                while block := source.read(1024 * 1024):
                    copy.write(block)
        copied = time.perf_counter() - started
    seconds = time.perf_counter() - started
    _empty_tables()
    for dump in tables.values():
        dump.unlink()
    return {"seconds": seconds, "copy_only": copied}


def _child(mode: str, path: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(name: str, path: Path, *, rows_unit: str) -> dict[str, Any]:
    size_mb = path.stat().st_size / 1024**2
    result = _child("import", path)
    floor = _child("floor", path)
    ratio = result["seconds"] / floor["seconds"]
    print(
        f"{name}: {size_mb:,.0f} MB, {result['sessions']:,} {rows_unit}, "
        f"{result['turns']:,} turns, {result['candidates']:,} candidates ({result['status']})\n"
        f"  import {result['seconds']:.1f} s = {result['sessions'] / result['seconds']:,.0f} "
        f"sessions/s, {result['turns'] / result['seconds']:,.0f} turns/s; "
        f"peak RSS {result['peak_rss_mb']:.0f} MB\n"
        f"  floor (raw COPY of the same rows, committed) {floor['seconds']:.2f} s; "
        f"ratio {ratio:.1f}x\n"
        f"  (the COPY statements alone, before the commit checks the foreign keys: "
        f"{floor['copy_only']:.2f} s; ratio {result['seconds'] / floor['copy_only']:.1f}x)",
        flush=True,
    )
    if result["invalid"]:
        print(f"  invalid records: {result['invalid']} e.g. {result['errors']}")
    return {**result, "floor": floor["seconds"], "ratio": ratio, "size_mb": size_mb}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the data sizes")
    parser.add_argument("--only", choices=("cactus", "psychocounsel"), default=None)
    parser.add_argument(
        "--without-search-index",
        action="store_true",
        help="drop the trigram index on turn text for the run (to see what search costs)",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path = args.child
        runner = child_import if mode == "import" else child_floor
        print(json.dumps(runner(Path(path))))
        return 0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        print("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
        return 2
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env={**os.environ, "DEBUG": "1"},
    )
    if args.without_search_index:
        _psql("DROP INDEX IF EXISTS dialogues_turn_text_upper_trgm")
    try:
        return _run(args)
    finally:
        if args.without_search_index:
            _psql(
                "CREATE INDEX IF NOT EXISTS dialogues_turn_text_upper_trgm "
                "ON dialogues_turn USING gin (UPPER(text) gin_trgm_ops)"
            )


def _psql(sql: str) -> None:
    _django()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def _run(args: argparse.Namespace) -> int:
    failures = []
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as folder:
        datasets = []
        if args.only in (None, "cactus"):
            cactus = Path(folder) / "cactus.json"
            cactus_write(cactus, sessions=int(CACTUS_SESSIONS * args.scale))
            datasets.append(("Cactus", cactus, "sessions"))
        if args.only in (None, "psychocounsel"):
            pairs = Path(folder) / "psychocounsel.jsonl"
            psychocounsel_write(pairs, pairs=int(PSYCHOCOUNSEL_PAIRS * args.scale))
            datasets.append(("PsychoCounsel", pairs, "pairs"))
        for name, path, unit in datasets:
            result = measure(name, path, rows_unit=unit)
            if result["ratio"] > TARGET_RATIO:
                failures.append(
                    f"{name}: {result['ratio']:.1f}x the floor (target {TARGET_RATIO}x)"
                )
            if result["peak_rss_mb"] > TARGET_RSS_MB:
                failures.append(f"{name}: peak RSS {result['peak_rss_mb']:.0f} MB")
            if result["status"] != "imported":
                failures.append(f"{name}: batch {result['status']}")
    for failure in failures:
        print("MISSED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
