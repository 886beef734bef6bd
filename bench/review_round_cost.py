"""CPU and queries of one reviewer's round, in one process, without a server or other clients.

``bench/review_load.py`` measures the round under load, where on a shared machine the CPU
time of a request stretches with what else runs. This script takes the same seeded database
(``bench.review_load.seed``: CTRS, 30-turn sessions), signs one reviewer in and runs
``--rounds`` rounds through Django's request handler (``django.test.Client``; CSRF checks off,
the rest of the middleware as in production with DEBUG off): take the next item, open the
scoring page, save a draft, submit; and ``--rounds`` calls of the bare ``core:ping`` view. It
prints the CPU time (``time.process_time``) and SQL queries per step, the round's mean per
request and its ratio to ping, and the load average. Run the old and the new code one after
the other, a few times each, and compare CPU, never wall time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench_cost \\
        .venv/bin/python bench/review_round_cost.py [--rounds 40] [--profile DIR]

``--profile DIR`` keeps a cProfile (CPU time) of each step over the counted rounds in
``DIR/<step>.prof`` and the SQL of its last request in ``DIR/<step>.sql``; profiled CPU
times are several times the plain ones, so read only their shares.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.review_load import (  # noqa: E402
    PROJECT_SLUG,
    manage,
    recreate_database,
    seed,
    server_env,
)

# Forms are posted as a browser posts them (and as bench/review_load.py does): the test
# client's default, multipart, costs the server a multipart parse no reviewer's request makes.
FORM = "application/x-www-form-urlencoded"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument(
        "--no-gc-freeze", action="store_true", help="undo config.wsgi's gc.freeze() to compare"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="write a cProfile (CPU time) and the SQL of each step to DIR/<step>.prof, .sql",
    )
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database this bench may (re)create.")
    env = server_env(database_url, tempfile.mkdtemp(prefix="rapport-bench-static-"))
    env["ALLOWED_HOSTS"] = "testserver"
    recreate_database(database_url)
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        seeded = seed(reviewers=1, items=args.rounds + 5, turns=args.turns)
        return _measure(seeded, args.rounds, not args.no_gc_freeze, args.profile)
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(database_url, drop_only=True)


def _measure(seeded: Any, rounds: int, freeze: bool, profile: str | None) -> int:
    from django.db import connection
    from django.test import Client

    import config.wsgi  # noqa: F401 - what a web worker loads (and freezes) when it starts

    if not freeze:
        gc.unfreeze()

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    person = seeded.reviewers[0]
    client = Client()
    client.cookies["sessionid"] = person["session"]
    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    counted = [0]
    statements: dict[str, list[str]] = defaultdict(list)
    current = [""]
    profiles: dict[str, cProfile.Profile] = {}

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        counted[0] += 1
        statements[current[0]].append(sql)
        return execute(sql, params, many, context)

    def step(name: str, call: Callable[[], Any], *statuses: int) -> Any:
        counted[0] = 0
        current[0] = name
        statements[name].clear()
        profiler = (
            profiles.setdefault(name, cProfile.Profile(time.process_time)) if profile else None
        )
        started = time.process_time()
        with connection.execute_wrapper(count):
            if profiler is not None:
                profiler.enable()
            response = call()
            if profiler is not None:
                profiler.disable()
        cpu[name].append((time.process_time() - started) * 1000)
        queries[name].append(counted[0])
        if response.status_code not in statuses:
            raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
        return response

    form = {f"score-{code}": str(n % 7) for n, code in enumerate(seeded.criteria)}
    form |= {f"rationale-{code}": "Consistent with the anchors." for code in seeded.criteria}
    half = dict(list(form.items())[: len(form) // 2])
    full = form | {"comment": "Solid agenda setting; homework left vague."}
    load_start = os.getloadavg()[0]
    for n in range(rounds + 1):
        taken = step("next", lambda: client.post(f"/review/{PROJECT_SLUG}/next/"), 302)
        url = taken["Location"]
        step("scoring page", lambda url=url: client.get(url), 200)
        step(
            "draft save",
            lambda url=url: client.post(
                f"{url}draft/", urlencode(half), content_type=FORM, HTTP_HX_REQUEST="true"
            ),
            200,
        )
        step(
            "submit",
            lambda url=url: client.post(f"{url}submit/", urlencode(full), content_type=FORM),
            302,
        )
        step("ping", lambda: client.get("/ping/"), 200)
        if n == 0:  # the first round fills the per-process caches: not counted
            cpu.clear()
            queries.clear()
            profiles.clear()
    if profile:
        folder = Path(profile)
        folder.mkdir(parents=True, exist_ok=True)
        for name, profiler in profiles.items():
            profiler.dump_stats(folder / f"{name.replace(' ', '-')}.prof")
            (folder / f"{name.replace(' ', '-')}.sql").write_text(
                "\n".join(statements[name]) + "\n"
            )
    frozen = "frozen" if gc.get_freeze_count() else "not frozen"
    print(f"{rounds} rounds, {len(seeded.criteria)} criteria, 30 turns; loaded objects {frozen}")
    print(f"{'step':<14}{'cpu median':>11}{'mean':>8}  {'queries':>7}  (ms)")
    for name in ("next", "scoring page", "draft save", "submit", "ping"):
        print(
            f"{name:<14}{statistics.median(cpu[name]):>11.2f}{statistics.fmean(cpu[name]):>8.2f}"
            f"  {max(queries[name]):>7}"
        )
    round_mean = statistics.fmean(
        statistics.fmean(cpu[name]) for name in ("next", "scoring page", "draft save", "submit")
    )
    ping = statistics.fmean(cpu["ping"])
    print(
        f"round: {round_mean:.2f} ms of CPU a request, {round_mean / ping:.1f}x the ping's "
        f"{ping:.2f} ms; load average {load_start:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
    sys.exit(main())
