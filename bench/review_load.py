"""Review load: concurrent reviewers scoring sessions against gunicorn and PostgreSQL.

Makes a fresh PostgreSQL database (the one ``DATABASE_URL`` names; it is dropped afterwards
unless ``--keep``), migrates it, loads the built-in rubrics and seeds a review project: the CTRS
rubric (11 criteria, 0-6), ``--items`` sessions of ``--turns`` turns each, two reviewers per item,
and ``--reviewers`` signed-in reviewers. It then serves Rapport with gunicorn in production mode
(DEBUG off) and lets every reviewer, one thread and one keep-alive connection each, work through
the queue as the browser does: take the next item, open the scoring page, save a draft (the htmx
autosave), submit, and on to the next, for ``--duration`` seconds or until the queue is empty.

Before the round, the same server and the same signed-in reviewers call a bare authenticated
view (``core:ping``: session, user, CSRF and locale middleware, then a two-byte answer) for
``--ping-duration`` seconds, closed loop as well: that is the floor under every page, and the
report gives each figure of the round as a ratio to it.

Server time is what the application spends on a request: a WSGI wrapper around Django (below,
``application``) adds ``Server-Timing: app;dur=<ms>, cpu;dur=<ms>`` to every response, the wall
time and the worker's CPU time from the request's arrival until its response was built. The
report gives p50, p95 and the maximum of the server time per step and overall, the time the
client waited (which adds the time a request queued for a free worker), and the worker CPU per
request. The CPU per request that the targets use comes from ``/proc`` (utime + stime of the
gunicorn workers over the phase, divided by its requests), which counts everything the workers
did, and which a busy machine stretches far less than wall time.

Targets (issue 19): at most ``--cpu-target`` (10) ms of worker CPU a request averaged over the
round (next, scoring page, draft save, submit), and a client p95 of at most ``--client-target``
(100) ms. Exits 1 when either is missed or any request failed. The load average is printed at
the start and the end: read every wall time with it.

The client shares the machine's cores with the server, so the report also gives the CPU time
the client spent (this process, all its threads). PostgreSQL's own CPU is in no figure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_review \\
        .venv/bin/python bench/review_load.py [--reviewers 20] [--duration 60] [--via pages]

``--via api`` drives the same work through the REST API (token authentication) instead.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PROJECT_SLUG = "bench-review"
RUBRIC_SLUG = "ctrs"

# -- the server side: Django wrapped to report its own time ----------------------------------

_django_app: Callable[..., Any] | None = None


def _load_django() -> Callable[..., Any]:
    from config.wsgi import application as django_application

    return django_application


# In a gunicorn worker, load Django and the URL configuration when the worker starts, as
# config.wsgi does for the real server: otherwise each worker's first request takes seconds of
# CPU (scipy among the imports), and it lands in the ping phase's figures.
if os.environ.get("REVIEW_LOAD_SERVER") == "1":
    _django_app = _load_django()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
    """Django's WSGI application, adding the time it took as a Server-Timing header.

    Django calls ``start_response`` once the view has run and the response is built, so the
    time taken there covers middleware, view, templates and database work.
    """
    global _django_app
    if _django_app is None:
        _django_app = _load_django()
    started = time.perf_counter()
    cpu_started = time.process_time()

    def timed_start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        spent = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - cpu_started) * 1000
        headers.append(("Server-Timing", f"app;dur={spent:.2f}, cpu;dur={cpu:.2f}"))
        return start_response(status, headers, *args)

    return _django_app(environ, timed_start_response)


# -- setting up -------------------------------------------------------------------------------


def server_env(database_url: str, static_root: str) -> dict[str, str]:
    """Production settings, except plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=static_root,
        REVIEW_LOAD_SERVER="1",
    )
    return env


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"DATABASE_URL: database name {name!r} must be letters, digits or _")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Seeded:
    reviewers: list[dict[str, str]]  # username, session key, csrf secret, API token
    criteria: list[str]


def seed(*, reviewers: int, items: int, turns: int) -> Seeded:
    """The project, its rubric, sessions, items and signed-in reviewers (runs in this process)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string

    from core.models import Membership, Project, Role
    from core.tokens import api_token_create
    from dialogues.models import ImportBatch, Session, Turn
    from review.models import Item, ReviewSettings, TaskKind
    from rubrics.models import Rubric
    from rubrics.services import rubrics_load_builtin

    rubrics_load_builtin()
    rubric = Rubric.objects.get(slug=RUBRIC_SLUG, status=Rubric.Status.PUBLISHED)
    project = Project.objects.create(slug=PROJECT_SLUG, name="Review load")
    ReviewSettings.objects.create(
        project=project,
        rubric=rubric,
        task_kinds=[TaskKind.SCORING],
        overlap=2,
        guidelines="Score each criterion against its anchors.",
    )
    batch = ImportBatch.objects.create(project=project, name="bench.jsonl", format="messages")
    lines = [
        "I have been feeling low since I moved to the new city, and I cannot sleep.",
        "It sounds like the move has taken a lot from you. What has the last week been like?",
    ]
    sessions = Session.objects.bulk_create(
        Session(
            project=project,
            batch=batch,
            source_format="messages",
            source_id=f"bench-{n}",
            language="en",
            topic="adjustment",
            content_hash=f"{n:064x}",
            turn_count=turns,
        )
        for n in range(items)
    )
    Turn.objects.bulk_create(
        Turn(
            session=session,
            index=index,
            speaker="client" if index % 2 == 0 else "counselor",
            text=f"{lines[index % 2]} ({index + 1})",
        )
        for session in sessions
        for index in range(turns)
    )
    Item.objects.bulk_create(
        Item(project=project, kind=Item.Kind.SESSION, session=session, position=(n * 7919) % items)
        for n, session in enumerate(sessions)
    )
    people = []
    for n in range(reviewers):
        user = User.objects.create_user(f"reviewer{n:02d}", password=secrets.token_urlsafe(16))
        Membership.objects.create(project=project, user=user, role=Role.REVIEWER)
        # Signed in as Client.force_login does it: the session a login would leave behind.
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        people.append(
            {
                "username": user.username,
                "session": store.session_key or "",
                "csrf": _get_new_csrf_string(),
                "token": api_token_create(user=user, name="load test")[1],
            }
        )
    return Seeded(people, list(rubric.criteria.order_by("position").values_list("code", flat=True)))


def process_cpu_seconds(pids: Iterable[int]) -> float:
    """User and system CPU time of these processes so far, from ``/proc`` (0 where unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def worker_pids(server: subprocess.Popen) -> list[int]:
    """The gunicorn master's worker processes (the master itself does no request work)."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "bench.review_load:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        # A worker imports Django and the URL configuration (scipy included) on its first
        # request; on a busy machine that outlasts gunicorn's default 30 s timeout.
        "--timeout",
        "300",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    # Each worker imports the whole URL configuration (scipy included) before it answers,
    # which takes a minute on a busy machine.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer within 180 s")


# -- the reviewers ----------------------------------------------------------------------------


@dataclass
class Sample:
    step: str
    status: int
    server_ms: float | None
    client_ms: float
    cpu_ms: float | None = None


@dataclass
class Reviewer:
    """One reviewer on one keep-alive connection, signed in by cookie or by token."""

    port: int
    person: dict[str, str]
    criteria: list[str]
    via: str
    samples: list[Sample] = field(default_factory=list)
    submitted: int = 0
    failures: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def call(
        self, step: str, method: str, path: str, body: bytes | None = None, **headers: str
    ) -> http.client.HTTPResponse:
        headers = {"Host": "127.0.0.1", **headers}
        if self.via == "api":
            headers["Authorization"] = f"Token {self.person['token']}"
        else:
            headers["Cookie"] = (
                f"sessionid={self.person['session']}; csrftoken={self.person['csrf']}"
            )
            headers["X-CSRFToken"] = self.person["csrf"]
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.body = response.read()  # type: ignore[attr-defined]
        client_ms = (time.perf_counter() - started) * 1000
        header = response.getheader("Server-Timing") or ""
        timing = re.search(r"app;dur=([0-9.]+)", header)
        cpu = re.search(r"cpu;dur=([0-9.]+)", header)
        self.samples.append(
            Sample(
                step,
                response.status,
                float(timing.group(1)) if timing else None,
                client_ms,
                float(cpu.group(1)) if cpu else None,
            )
        )
        return response

    def values(self, round_: int) -> dict[str, int]:
        return {code: (round_ + n) % 7 for n, code in enumerate(self.criteria)}

    def expect(self, response: http.client.HTTPResponse, *statuses: int, step: str) -> bool:
        if response.status in statuses:
            return True
        body = response.body[:300].decode(errors="replace")  # type: ignore[attr-defined]
        self.failures.append(f"{step}: {response.status} {body}")
        return False

    def one_item_pages(self, round_: int) -> bool:
        slug = PROJECT_SLUG
        taken = self.call("next", "POST", f"/review/{slug}/next/")
        location = taken.getheader("Location") or ""
        if not self.expect(taken, 302, step="next") or "/items/" not in location:
            return False  # the queue is empty: sent back to the start page
        page = self.call("scoring page", "GET", location)
        if not self.expect(page, 200, step="scoring page"):
            return False
        form = {f"score-{code}": str(value) for code, value in self.values(round_).items()}
        form |= {f"rationale-{code}": "Consistent with the anchors." for code in self.criteria}
        half = dict(list(form.items())[: len(form) // 2])
        encoded = "application/x-www-form-urlencoded"
        draft = self.call(
            "draft save",
            "POST",
            f"{location}draft/",
            _urlencode(half),
            **{"Content-Type": encoded, "HX-Request": "true"},
        )
        if not self.expect(draft, 200, step="draft save"):
            return False
        form["comment"] = "Solid agenda setting; homework left vague."
        submit = self.call(
            "submit", "POST", f"{location}submit/", _urlencode(form), **{"Content-Type": encoded}
        )
        return self.expect(submit, 302, step="submit")

    def one_item_api(self, round_: int) -> bool:
        base = f"/api/projects/{PROJECT_SLUG}/review/"
        taken = self.call("next", "POST", f"{base}next/")
        if taken.status == 204 or not self.expect(taken, 200, step="next"):
            return False
        item_id = json.loads(taken.body)["item"]["id"]  # type: ignore[attr-defined]
        path = f"{base}items/{item_id}/"
        if not self.expect(self.call("scoring page", "GET", path), 200, step="item"):
            return False
        scores = {
            code: {"value": value, "rationale": "Consistent with the anchors."}
            for code, value in self.values(round_).items()
        }
        half = dict(list(scores.items())[: len(scores) // 2])
        json_type = {"Content-Type": "application/json"}
        draft = self.call(
            "draft save", "PUT", f"{path}draft/", json.dumps({"scores": half}).encode(), **json_type
        )
        if not self.expect(draft, 200, step="draft save"):
            return False
        body = {"scores": scores, "comment": "Solid agenda setting; homework left vague."}
        submit = self.call(
            "submit", "POST", f"{path}submit/", json.dumps(body).encode(), **json_type
        )
        return self.expect(submit, 200, step="submit")

    def ping(self, round_: int) -> bool:
        return self.expect(self.call("ping", "GET", "/ping/"), 200, step="ping")

    def run(self, until: float, *, ping: bool = False) -> None:
        work = self.one_item_api if self.via == "api" else self.one_item_pages
        if ping:
            work = self.ping
        round_ = 0
        try:
            while time.monotonic() < until and not self.failures:
                if not work(round_):
                    break
                self.submitted += 0 if ping else 1
                round_ += 1
        except OSError as exc:
            self.failures.append(f"connection: {exc}")
        finally:
            self.connection.close()


def _urlencode(form: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(form).encode()


# -- report -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of them at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


@dataclass
class CpuUse:
    client: float  # seconds, this process during the load
    server: float  # seconds, the gunicorn workers during the load


@dataclass
class Phase:
    """One closed-loop phase of the run: its samples, how long it took and the CPU it used."""

    name: str
    samples: list[Sample]
    elapsed: float
    cpu: CpuUse
    submitted: int = 0

    @property
    def cpu_per_request(self) -> float:
        """Worker CPU per request in ms, from ``/proc``."""
        return 1000 * self.cpu.server / max(1, len(self.samples))

    def client_p(self, share: float) -> float:
        return percentile([s.client_ms for s in self.samples], share) if self.samples else 0.0

    def server_p(self, share: float) -> float:
        server = [s.server_ms for s in self.samples if s.server_ms is not None]
        return percentile(server, share) if server else 0.0


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def report(phase: Phase) -> None:
    by_step: dict[str, list[Sample]] = defaultdict(list)
    for sample in phase.samples:
        by_step[sample.step].append(sample)
    print(f"-- {phase.name}")
    print(
        f"{'step':<14}{'requests':>9}  {'server p50':>10} {'p95':>7} {'max':>7}  "
        f"{'client p50':>10} {'p95':>7}  {'cpu mean':>8}  (ms)"
    )
    rows = [*by_step.items()]
    if len(by_step) > 1:
        rows.append(("all", phase.samples))
    for step, rows_samples in rows:
        server = [s.server_ms for s in rows_samples if s.server_ms is not None]
        client = [s.client_ms for s in rows_samples]
        cpu = [s.cpu_ms for s in rows_samples if s.cpu_ms is not None]
        if not server:
            continue
        print(
            f"{step:<14}{len(rows_samples):>9}  {statistics.median(server):>10.1f} "
            f"{percentile(server, 0.95):>7.1f} {max(server):>7.1f}  "
            f"{statistics.median(client):>10.1f} {percentile(client, 0.95):>7.1f}  "
            f"{_mean(cpu):>8.2f}"
        )
    count = len(phase.samples)
    elapsed = phase.elapsed
    if phase.submitted:
        print(f"reviews submitted {phase.submitted} ({phase.submitted / elapsed:.1f}/s)")
    print(
        f"{count} requests in {elapsed:.1f} s ({count / elapsed:.0f}/s); worker CPU "
        f"{phase.cpu.server:.1f} s = {phase.cpu_per_request:.2f} ms a request (/proc); client "
        f"CPU {phase.cpu.client:.1f} s ({1000 * phase.cpu.client / max(1, count):.1f} ms a "
        f"request); load average {os.getloadavg()[0]:.2f}"
    )


def ratios(round_: Phase, floor: Phase) -> None:
    """The round's figures beside the ping floor's, measured on the same server minutes apart."""

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.1f}x" if b > 0 else "-"

    print(
        f"ratio to the ping floor: worker CPU {round_.cpu_per_request:.2f} / "
        f"{floor.cpu_per_request:.2f} ms = {ratio(round_.cpu_per_request, floor.cpu_per_request)}"
        f"; client p50 {round_.client_p(0.5):.1f} / {floor.client_p(0.5):.1f} ms = "
        f"{ratio(round_.client_p(0.5), floor.client_p(0.5))}; client p95 "
        f"{round_.client_p(0.95):.1f} / {floor.client_p(0.95):.1f} ms = "
        f"{ratio(round_.client_p(0.95), floor.client_p(0.95))}; server p95 "
        f"{round_.server_p(0.95):.1f} / {floor.server_p(0.95):.1f} ms = "
        f"{ratio(round_.server_p(0.95), floor.server_p(0.95))}"
    )


def closed_loop(
    name: str, reviewers: list[Reviewer], server: subprocess.Popen, duration: float, ping: bool
) -> Phase:
    """Every reviewer on its own thread, back to back, for ``duration`` seconds."""
    for reviewer in reviewers:
        reviewer.samples = []
        reviewer.submitted = 0
    workers = worker_pids(server)
    server_cpu, client_cpu = process_cpu_seconds(workers), self_cpu_seconds()
    started = time.monotonic()
    until = started + duration
    threads = [
        threading.Thread(target=r.run, args=(until,), kwargs={"ping": ping}) for r in reviewers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu = CpuUse(
        client=self_cpu_seconds() - client_cpu,
        server=process_cpu_seconds(workers) - server_cpu,
    )
    samples = [sample for reviewer in reviewers for sample in reviewer.samples]
    return Phase(name, samples, elapsed, cpu, sum(r.submitted for r in reviewers))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--items", type=int, default=600)
    parser.add_argument("--turns", type=int, default=30, help="turns per session")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--via", choices=["pages", "api"], default="pages")
    parser.add_argument("--ping-duration", type=float, default=15, help="seconds of ping")
    parser.add_argument(
        "--cpu-target", type=float, default=10, help="worker CPU a request over the round, ms"
    )
    parser.add_argument("--client-target", type=float, default=100, help="client p95, ms")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    # Stopped from outside, still stop gunicorn and drop the database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(143))

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database this bench may (re)create.")
    static_root = tempfile.mkdtemp(prefix="rapport-bench-static-")
    env = server_env(database_url, static_root)
    recreate_database(database_url)
    server = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        seeded = seed(reviewers=args.reviewers, items=args.items, turns=args.turns)
        from django.db import connection, connections

        # Planner statistics, as a database in service has them: without them PostgreSQL
        # plans the queue's query for an empty table until autovacuum comes round.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        connections.close_all()
        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads)
        print(
            f"{args.reviewers} reviewers, {args.items} sessions of {args.turns} turns, "
            f"{len(seeded.criteria)} criteria; gunicorn {args.workers} workers x "
            f"{args.threads} threads; via {args.via}; {os.cpu_count()} CPUs"
        )
        print(f"load average at the start {os.getloadavg()[0]:.2f}")
        floor = closed_loop(
            "ping (bare authenticated view)",
            [Reviewer(port, person, [], "pages") for person in seeded.reviewers],
            server,
            args.ping_duration,
            ping=True,
        )
        reviewers = [
            Reviewer(port, person, seeded.criteria, args.via) for person in seeded.reviewers
        ]
        round_ = closed_loop(
            f"the reviewer's round (via {args.via})", reviewers, server, args.duration, ping=False
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            from django.db import connections

            connections.close_all()
            recreate_database(database_url, drop_only=True)
    report(floor)
    report(round_)
    ratios(round_, floor)
    failures = [failure for reviewer in reviewers for failure in reviewer.failures]
    for failure in failures[:5]:
        print(f"FAILED {failure}")
    missed = []
    cpu, client_p95 = round_.cpu_per_request, round_.client_p(0.95)
    if cpu > args.cpu_target:
        missed.append(f"worker CPU {cpu:.2f} ms a request is over {args.cpu_target:g} ms")
    if client_p95 > args.client_target:
        missed.append(f"client p95 {client_p95:.1f} ms is over {args.client_target:g} ms")
    for line in missed:
        print(f"MISSED {line}")
    if not missed:
        print(
            f"targets met: worker CPU {cpu:.2f} ms a request (at most {args.cpu_target:g}), "
            f"client p95 {client_p95:.1f} ms (at most {args.client_target:g})"
        )
    return 0 if not missed and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
