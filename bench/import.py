"""Import throughput against the plain floor: parse the same file, COPY its rows into plain tables.

Run from the repository root, against a PostgreSQL database used for nothing else (its name must
contain "bench"; the script drops and creates it, then empties the dialogues tables between runs):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench .venv/bin/python bench/import.py

It generates, deterministically, 30,000 Cactus-layout sessions of 20 turns (a JSON list of about
100 MB, one session in 25 with a Chinese sentence in a client turn) and 36,000
PsychoCounsel-Preference pairs (JSONL). Each is imported, in a fresh process so that the peak RSS
is the import's own, through the same service as the upload page (format detection, validation,
normalisation, de-duplication, screening, writing, then the search documents).

The floor, in the same run and a fresh process: ``json`` parses the same file, the Cactus
dialogue is split into per-turn rows, and the session and turn rows are COPied into two plain
tables (no index, no constraint, no foreign key) in a schema of their own, and committed.

Printed per file: Rapport's time to browsable (committed: screened and de-duplicated) and to
search complete, the floor, both ratios, the CPU seconds of the importing process and of its
PostgreSQL backends (from /proc; the search build's extra connections included), peak RSS
and the load average. Exit status 1 when a target is
missed: browsable within 5x the floor, search complete within 10x, peak RSS at most 400 MB.

Other modes:
    --gigabyte            a Cactus file of about 1 GB (peak RSS; no floor, whose json.load
                          would need the whole file in memory)
    --tiny 200000         200,000 ``messages`` sessions of 2 short turns (peak RSS, floor)
    --oversize            a record just over IMPORT_MAX_RECORD_BYTES and one eight times over:
                          each is refused with its error, and peak RSS stays flat
    --rapport-floor       also the old floor: the rows the import wrote, COPied back into
                          Rapport's own tables (with their indexes and constraints)
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

TARGET_BROWSABLE = 5.0
TARGET_SEARCH = 10.0
TARGET_RSS_MB = 400.0
CACTUS_SESSIONS = 30_000
GIGABYTE_SESSIONS = 290_000
TURNS_PER_SESSION = 20
PSYCHOCOUNSEL_PAIRS = 36_000
FLOOR_SCHEMA = "bench_floor"

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
# Every CHINESE_EVERY-th session has one of these in a client turn, in turn: so a search for
# 焦虑 must find exactly the sessions of the first, and 睡不着觉 those of the second.
CHINESE_EVERY = 25
CHINESE = ("我最近很焦虑，工作压力很大。", "我晚上总是睡不着觉，白天很累。")
# A word no generated sentence holds but one in a thousand sessions.
RARE_WORD = "xylophone"
RARE_EVERY = 1000
COMMON_WORD = "deadline"
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


def cactus_expected(sessions: int) -> dict[str, int]:
    """How many sessions of a generated Cactus file each search word must find."""
    chinese = [n for n in range(sessions) if n % CHINESE_EVERY == 1]
    return {
        CHINESE[0][2:4]: sum(1 for n in chinese if (n // CHINESE_EVERY) % 2 == 0),  # 焦虑
        "睡不着觉": sum(1 for n in chinese if (n // CHINESE_EVERY) % 2 == 1),
        RARE_WORD: sum(1 for n in range(sessions) if n % RARE_EVERY == 3),
    }


def cactus_write(path: Path, *, sessions: int, seed: int = 7) -> None:
    """A Cactus training-layout JSON list, written as a stream so memory stays flat."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for number in range(sessions):
            lines = []
            for turn in range(TURNS_PER_SESSION):
                label = "Counselor" if turn % 2 == 0 else "Client"
                text = _utterance(rng)
                if turn == 3 and number % CHINESE_EVERY == 1:
                    text += " " + CHINESE[(number // CHINESE_EVERY) % 2]
                if turn == 5 and number % RARE_EVERY == 3:
                    text += f" I keep thinking about the {RARE_WORD}."
                lines.append(f"{label}: {text}")
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
            out.write(("," if number else "") + json.dumps(record, ensure_ascii=False) + "\n")
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


def tiny_write(path: Path, *, sessions: int, seed: int = 13) -> None:
    """``messages`` JSONL: each session one short client turn and one short counselor turn."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(sessions):
            record = {
                "id": f"tiny-{number}",
                "messages": [
                    {"role": "user", "content": f"({number}) {_sentence(rng, 3, 6)}"},
                    {"role": "assistant", "content": _sentence(rng, 3, 6)},
                ],
            }
            out.write(json.dumps(record) + "\n")


def oversize_write(path: Path, *, big_bytes: int, sessions: int = 200, seed: int = 17) -> None:
    """``messages`` JSONL with one record of about ``big_bytes`` bytes (if any) in the middle.

    The large text is written in pieces, so this process never holds it.
    """
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for number in range(sessions):
            reply = json.dumps(_sentence(rng, 3, 6))
            if big_bytes and number == sessions // 2:
                out.write(f'{{"id": "big-{number}", "messages": [{{"role": "user", "content": "')
                piece = "word " * 200_000
                for _ in range(-(-big_bytes // len(piece))):
                    out.write(piece)
                out.write(f'"}}, {{"role": "assistant", "content": {reply}}}]}}\n')
                continue
            record = {
                "id": f"big-{number}",
                "messages": [
                    {"role": "user", "content": f"({number}) {_sentence(rng, 3, 6)}"},
                    {"role": "assistant", "content": json.loads(reply)},
                ],
            }
            out.write(json.dumps(record) + "\n")


# --- Measuring ------------------------------------------------------------------------------


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def proc_cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process, from /proc/<pid>/stat (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The command name may hold spaces; the fields after its closing parenthesis are fixed.
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _clock_ticks()


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM), which starts afresh at exec.

    ``getrusage``'s ``ru_maxrss`` does not: Linux carries it across exec, so a child would
    report the parent's RSS at the time of the fork whenever that was higher.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


class BackendCPU:
    """CPU seconds of this connection's PostgreSQL backend, read from /proc by its pid.

    PostgreSQL runs on the same machine. The import's statements (COPY, a few lookups) run in
    this one backend; parallel query workers, which would not be counted, are not used by them.
    """

    def __init__(self, cursor: Any) -> None:
        cursor.execute("SELECT pg_backend_pid()")
        self.pid = int(cursor.fetchone()[0])
        self.start = proc_cpu_seconds(self.pid)

    def seconds(self) -> float:
        return proc_cpu_seconds(self.pid) - self.start


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

    from dialogues.models import Session

    tables = [
        "dialogues_flag",
        "dialogues_sourcerating",
        "dialogues_sourcepreference",
        "dialogues_candidate",
        "dialogues_turn",
        str(Session._meta.db_table),
    ]
    if batches:
        tables.append("dialogues_importbatch")
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        cursor.execute("VACUUM ANALYZE dialogues_turn")


def _search_build(batch_id: int) -> float:
    """The search step of the import job, if this code has one (the old code had none).

    Returns the CPU seconds of the PostgreSQL backends of the connections a large batch's build
    opens beside this one, one per share (each read just before its connection closes).
    """
    try:
        from dialogues.services import search
    except ImportError:
        return 0.0
    shares_cpu: list[float] = []
    own_connection = getattr(search, "_build_on_own_connection", None)
    if own_connection is not None:
        from django.db import connection, connections

        def measured(where: str, params: list[int]) -> int:
            try:
                with connection.cursor() as cursor:
                    backend = BackendCPU(cursor)
                built = search._build(where, params)
                shares_cpu.append(backend.seconds())
                return built
            finally:
                connections.close_all()

        search._build_on_own_connection = measured
    try:
        search.search_documents_build(batch_id=batch_id)
    finally:
        if own_connection is not None:
            search._build_on_own_connection = own_connection
    return sum(shares_cpu)


def _search_latency(project: Any, expected: dict[str, int]) -> dict[str, Any]:
    from dialogues.selectors import SessionFilters, session_list

    found = {}
    for word in (RARE_WORD, COMMON_WORD, "焦虑", "睡不着觉"):
        started = time.perf_counter()
        sessions = session_list(project=project, filters=SessionFilters(q=word))
        count = sessions.count()
        list(sessions[:50])
        found[word] = {"ms": (time.perf_counter() - started) * 1000, "sessions": count}
    found["expected"] = expected
    return found


def child_import(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    _django()
    from django.db import connection

    from core.models import Project
    from dialogues.models import Turn
    from dialogues.services.imports import Upload, import_batch_create, import_batch_run

    _empty_tables()
    project, _created = Project.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    with connection.cursor() as cursor:
        backend = BackendCPU(cursor)
    cpu_start = self_cpu_seconds()
    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = import_batch_create(
            project=project,
            user=None,
            uploads=[Upload(path.name, handle)],
            skip_invalid=bool(options.get("skip_invalid")),
        )
    try:
        outcome = import_batch_run(batch_id=batch.pk, build_search=False)  # type: ignore[call-arg]
    except TypeError:
        outcome = import_batch_run(batch_id=batch.pk)
    browsable = time.perf_counter() - started
    browsable_cpu = self_cpu_seconds() - cpu_start
    browsable_backend = backend.seconds()
    shares_backend_cpu = _search_build(batch.pk)
    searchable = time.perf_counter() - started
    result = {
        "browsable": browsable,
        "browsable_cpu": browsable_cpu,
        "browsable_backend_cpu": browsable_backend,
        "searchable": searchable,
        "cpu": self_cpu_seconds() - cpu_start,
        # The search build's other connections, if it split the build, count with this one.
        "backend_cpu": backend.seconds() + shares_backend_cpu,
        "peak_rss_mb": peak_rss_mb(),
        "status": str(outcome.status),
        "sessions": outcome.sessions_created,
        "turns": Turn.objects.count(),
        "candidates": outcome.candidates_created,
        "flags": outcome.flags_created,
        "invalid": outcome.invalid,
        "errors": outcome.errors[:3],
        "load": load_text(),
    }
    if options.get("search"):
        result["search"] = _search_latency(project, options["search"])
    return result


def _floor_records(path: Path, kind: str) -> Any:
    """The file's records as the plain floor sees them: json, per-turn rows."""
    if kind == "cactus":
        with path.open("rb") as handle:
            records = json.load(handle)
        for record in records:
            turns = []
            for line in record["dialogue"].split("\n"):
                speaker, _colon, text = line.partition(": ")
                turns.append((speaker, text))
            metadata = {key: value for key, value in record.items() if key != "dialogue"}
            yield str(record["id"]), metadata, turns
        return
    with path.open("rb") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            if kind == "messages":
                turns = [(m["role"], m["content"]) for m in record["messages"]]
                yield str(record.get("id", number)), {}, turns
            else:  # psychocounsel: the question, both responses, the ratings as metadata
                turns = [
                    ("client", record["question"]),
                    ("chosen", record["chosen"]),
                    ("rejected", record["rejected"]),
                ]
                metadata = {
                    key: value
                    for key, value in record.items()
                    if key not in ("question", "chosen", "rejected")
                }
                yield str(number), metadata, turns


def child_floor(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Parse the file and COPY its session and turn rows into plain tables, and commit."""
    _django()
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {FLOOR_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {FLOOR_SCHEMA}")
        cursor.execute(
            f"CREATE TABLE {FLOOR_SCHEMA}.session (id bigint, source_id text, metadata jsonb)"
        )
        cursor.execute(
            f"CREATE TABLE {FLOOR_SCHEMA}.turn "
            "(session_id bigint, index integer, speaker text, text text)"
        )
        backend = BackendCPU(cursor)
    cpu_start = self_cpu_seconds()
    started = time.perf_counter()
    sessions = turns = 0
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        session_rows: list[tuple[int, str, str]] = []
        turn_rows: list[tuple[int, int, str, str]] = []

        def flush() -> None:
            # Per 2,000 sessions, as Rapport writes its chunks: sessions, then their turns.
            with raw.copy(f"COPY {FLOOR_SCHEMA}.session FROM STDIN") as copy:
                for row in session_rows:
                    copy.write_row(row)
            with raw.copy(f"COPY {FLOOR_SCHEMA}.turn FROM STDIN") as copy:
                for turn in turn_rows:
                    copy.write_row(turn)
            session_rows.clear()
            turn_rows.clear()

        for source_id, metadata, session_turns in _floor_records(path, options["kind"]):
            sessions += 1
            session_rows.append((sessions, source_id, json.dumps(metadata, ensure_ascii=False)))
            for index, (speaker, text) in enumerate(session_turns):
                turn_rows.append((sessions, index, speaker, text))
            turns += len(session_turns)
            if len(session_rows) >= 2000:
                flush()
        flush()
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "cpu": self_cpu_seconds() - cpu_start,
        "backend_cpu": backend.seconds(),
        "sessions": sessions,
        "turns": turns,
        "load": load_text(),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {FLOOR_SCHEMA} CASCADE")
    return result


def child_rapport_floor(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """The old floor: the rows an import wrote, COPied back into Rapport's own tables."""
    _django()
    from django.db import connection, transaction

    child_import(path, {})
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
    seconds = time.perf_counter() - started
    _empty_tables()
    for dump in tables.values():
        dump.unlink()
    return {"seconds": seconds}


CHILDREN = {"import": child_import, "floor": child_floor, "rapport-floor": child_rapport_floor}


def _child(mode: str, path: Path, options: dict[str, Any] | None = None) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), json.dumps(options or {})],
        check=False,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    if result.returncode:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"the {mode} child failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Reporting ------------------------------------------------------------------------------


def measure(
    name: str, path: Path, *, kind: str, floor: bool = True, rapport_floor: bool = False
) -> tuple[dict[str, Any], list[str]]:
    size_mb = path.stat().st_size / 1024**2
    options: dict[str, Any] = {}
    if kind == "cactus" and floor:
        options["search"] = cactus_expected(CACTUS_SESSIONS)
    result = _child("import", path, options)
    print(
        f"{name}: {size_mb:,.0f} MB, {result['sessions']:,} sessions, {result['turns']:,} turns, "
        f"{result['candidates']:,} candidates, {result['flags']:,} flags ({result['status']})\n"
        f"  Rapport, browsable (committed, screened, de-duplicated): {result['browsable']:.2f} s"
        f" = {result['sessions'] / result['browsable']:,.0f} sessions/s; CPU: import process "
        f"{result['browsable_cpu']:.2f} s, PostgreSQL backend "
        f"{result['browsable_backend_cpu']:.2f} s\n"
        f"  Rapport, search complete: {result['searchable']:.2f} s; CPU: import process "
        f"{result['cpu']:.2f} s, PostgreSQL backends {result['backend_cpu']:.2f} s, together "
        f"{result['cpu'] + result['backend_cpu']:.2f} s\n"
        f"  peak RSS {result['peak_rss_mb']:.0f} MB; {result['load']}",
        flush=True,
    )
    failures = []
    if result["invalid"]:
        print(f"  invalid records: {result['invalid']} e.g. {result['errors']}")
    if result["status"] != "imported":
        failures.append(f"{name}: batch {result['status']}")
    if result["peak_rss_mb"] > TARGET_RSS_MB:
        failures.append(f"{name}: peak RSS {result['peak_rss_mb']:.0f} MB > {TARGET_RSS_MB:.0f}")
    if floor:
        plain = _child("floor", path, {"kind": kind})
        browsable_ratio = result["browsable"] / plain["seconds"]
        search_ratio = result["searchable"] / plain["seconds"]
        cpu_ratio = (result["cpu"] + result["backend_cpu"]) / (plain["cpu"] + plain["backend_cpu"])
        print(
            f"  plain floor (json parse, per-turn rows, COPY into plain tables, commit): "
            f"{plain['seconds']:.2f} s for {plain['sessions']:,} sessions, {plain['turns']:,} "
            f"rows; CPU: process {plain['cpu']:.2f} s, PostgreSQL backend "
            f"{plain['backend_cpu']:.2f} s; {plain['load']}\n"
            f"  ratio: browsable {browsable_ratio:.1f}x (target {TARGET_BROWSABLE:.0f}x), "
            f"search complete {search_ratio:.1f}x (target {TARGET_SEARCH:.0f}x), "
            f"CPU with search {cpu_ratio:.1f}x",
            flush=True,
        )
        if browsable_ratio > TARGET_BROWSABLE:
            failures.append(f"{name}: browsable at {browsable_ratio:.1f}x the plain floor")
        if search_ratio > TARGET_SEARCH:
            failures.append(f"{name}: search complete at {search_ratio:.1f}x the plain floor")
        result["plain_floor"] = plain
    if rapport_floor:
        old = _child("rapport-floor", path)
        print(
            f"  old floor (the same rows COPied back into Rapport's tables, indexes and "
            f"constraints included): {old['seconds']:.2f} s; browsable at "
            f"{result['browsable'] / old['seconds']:.1f}x it"
        )
    if "search" in result:
        search = result["search"]
        expected = search.pop("expected")
        parts = []
        for word, found in search.items():
            parts.append(f"{word} {found['sessions']:,} sessions in {found['ms']:.0f} ms")
            if word in expected and found["sessions"] != expected[word]:
                failures.append(
                    f"{name}: search for {word} found {found['sessions']} sessions, "
                    f"expected {expected[word]}"
                )
        print("  search (count and first page): " + "; ".join(parts), flush=True)
    return result, failures


def oversize_check(folder: Path) -> list[str]:
    """A record just over the limit and one eight times over: refused, and RSS stays flat."""
    _django()
    from django.conf import settings

    limit = int(settings.IMPORT_MAX_RECORD_BYTES)
    failures = []
    figures = {}
    for label, size in (("no large record", 0), ("just over", limit + 1024), ("8x", 8 * limit)):
        path = folder / f"oversize-{label.replace(' ', '-')}.jsonl"
        oversize_write(path, big_bytes=size)
        result = _child("import", path, {"skip_invalid": True})
        figures[label] = result["peak_rss_mb"]
        messages = " ".join(str(error.get("message")) for error in result["errors"])
        print(
            f"oversize, {label} ({size:,} bytes; limit {limit:,}): {result['sessions']} sessions, "
            f"{result['invalid']} refused: {messages or '-'}; peak RSS "
            f"{result['peak_rss_mb']:.0f} MB; {result['load']}",
            flush=True,
        )
        if size and (result["invalid"] != 1 or "IMPORT_MAX_RECORD_BYTES" not in messages):
            failures.append(f"oversize {label}: the record was not refused with its error")
        path.unlink()
    growth = figures["8x"] - figures["just over"]
    print(f"  peak RSS from just over the limit to 8x it: {growth:+.0f} MB")
    # Flat means: an eight times larger record costs less than one more record's worth.
    if growth > limit / 1024**2:
        failures.append(f"oversize: peak RSS grew {growth:.0f} MB with the record's size")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the data sizes")
    parser.add_argument("--only", choices=("cactus", "psychocounsel"), default=None)
    parser.add_argument("--gigabyte", action="store_true", help="a Cactus file of about 1 GB")
    parser.add_argument("--tiny", type=int, default=0, metavar="N", help="N 2-turn sessions")
    parser.add_argument("--oversize", action="store_true", help="records over the limit")
    parser.add_argument("--rapport-floor", action="store_true", help="also the old floor")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, options = args.child
        print(json.dumps(CHILDREN[mode](Path(path), json.loads(options))))
        return 0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or "bench" not in url.rsplit("/", 1)[-1]:
        print("Set DATABASE_URL to a PostgreSQL database whose name contains 'bench'.")
        return 2
    from bench.review_load import recreate_database

    recreate_database(url)  # a fresh database each run: nothing left from an earlier one
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        check=True,
        env={**os.environ, "DEBUG": "1"},
    )
    print(f"start: {load_text()}", flush=True)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rapport-bench-") as name:
        folder = Path(name)
        if args.oversize:
            failures += oversize_check(folder)
        elif args.tiny:
            tiny = folder / "tiny.jsonl"
            tiny_write(tiny, sessions=args.tiny)
            failures += measure(f"Tiny, {args.tiny:,} sessions", tiny, kind="messages")[1]
        elif args.gigabyte:
            big = folder / "cactus-1gb.json"
            cactus_write(big, sessions=GIGABYTE_SESSIONS)
            failures += measure("Cactus, about 1 GB", big, kind="cactus", floor=False)[1]
        else:
            if args.only in (None, "cactus"):
                cactus = folder / "cactus.json"
                cactus_write(cactus, sessions=int(CACTUS_SESSIONS * args.scale))
                failures += measure(
                    "Cactus",
                    cactus,
                    kind="cactus",
                    floor=args.scale == 1.0,
                    rapport_floor=args.rapport_floor,
                )[1]
            if args.only in (None, "psychocounsel"):
                pairs = folder / "psychocounsel.jsonl"
                psychocounsel_write(pairs, pairs=int(PSYCHOCOUNSEL_PAIRS * args.scale))
                failures += measure(
                    "PsychoCounsel", pairs, kind="psychocounsel", rapport_floor=args.rapport_floor
                )[1]
    print(f"end: {load_text()}")
    for failure in failures:
        print("MISSED", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
