"""Judge-run throughput: does a run keep the configured number of requests in flight?

Starts the scripted test server answering every request after a fixed delay (200 ms by
default), judges N items through the real openai client with the configured concurrency, and
reports the server's time-averaged count of requests in flight against that concurrency. The
target is 90%: below it the run loop, not the endpoint, is what limits a judge run.

    .venv/bin/python bench/judge.py [--requests 200] [--concurrency 8] [--delay 0.2]

Exits 1 when the ratio is below --target or any answer is not "ok".
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    # Run as a script from anywhere, not only as ``python -m bench.judge`` from the root.
    sys.path.insert(0, str(ROOT))

# The judge's key and allowed hosts are operator settings: the test settings allow loopback.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
import django  # noqa: E402

django.setup()

from django.conf import settings as django_settings  # noqa: E402

from review.judges import judge_many  # noqa: E402
from tests.review.judge_material import score_request  # noqa: E402
from tests.review.judge_server import KEY, KEY_NAME, JudgeServer, settings_for  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.2, help="server answer time, seconds")
    parser.add_argument("--target", type=float, default=0.9, help="minimum in-flight ratio")
    args = parser.parse_args()

    django_settings.JUDGE_API_KEYS = {KEY_NAME: KEY}
    server = JudgeServer(default_delay_s=args.delay).start()
    try:
        settings = settings_for(server, concurrency=args.concurrency, timeout_s=10.0)
        statuses: dict[str, int] = {}

        def count(answer) -> None:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1

        items = [score_request(key=f"item-{n}") for n in range(args.requests)]
        started = time.monotonic()
        summary = judge_many(settings=settings, requests=items, on_answer=count)
        elapsed = time.monotonic() - started
        average = server.average_in_flight()
        peak = server.max_in_flight
    finally:
        server.stop()

    ratio = average / args.concurrency
    ideal = args.concurrency / args.delay
    print(f"requests          {summary.answered} answered of {args.requests}: {statuses}")
    print(f"concurrency       {args.concurrency} configured, {peak} peak at the server")
    print(f"in flight         {average:.2f} on average = {ratio:.1%} of configured")
    print(f"throughput        {summary.answered / elapsed:.1f} req/s (ideal {ideal:.1f} req/s)")
    print(f"wall time         {elapsed:.2f} s")
    failed = ratio < args.target or statuses != {"ok": args.requests}
    print(f"result            {'BELOW TARGET' if failed else 'ok'} (target {args.target:.0%})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
