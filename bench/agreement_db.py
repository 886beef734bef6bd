"""Agreement and judges on the database: a judge run that stores every answer, its rerun, and a
project's full agreement report.

1. A judge run (``review.services.judging.judge_run_execute``) over N session items against the
   scripted test server answering in 200 ms: does it keep the configured number of requests in
   flight while saving each answer, and does a rerun send no request at all?
2. ``project_agreement`` (every section, 1,000 resamples) for a project of M items x 3 reviewers
   x 11 criteria stored as reviews, then the cached read the dashboard does on its next visit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_bench \\
        .venv/bin/python bench/agreement_db.py [--items 200] [--concurrency 8] [--review-items 2000]

Creates and drops its own test database. Exits 1 when the in-flight ratio is below --target or
the rerun sent any request.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
)
from django.utils import timezone  # noqa: E402

from review.models import (  # noqa: E402
    Assignment,
    Item,
    JudgeConfig,
    JudgeRun,
    Review,
    ReviewSettings,
    Score,
)
from review.services.agreement_cache import agreement_cached, agreement_refresh  # noqa: E402
from review.services.judging import judge_run_execute  # noqa: E402
from tests.factories import ProjectFactory, UserFactory  # noqa: E402
from tests.review.factories import SessionItemFactory  # noqa: E402
from tests.review.judge_server import KEY, KEY_NAME, JudgeServer  # noqa: E402
from tests.rubrics.factories import CriterionFactory, RubricFactory  # noqa: E402

CRITERIA = 11


def _rubric(slug: str):  # type: ignore[no-untyped-def]
    rubric = RubricFactory(slug=slug, status="published", scope="session")
    for n in range(CRITERIA):
        CriterionFactory(
            rubric=rubric,
            code=f"c{n:02d}",
            position=n + 1,
            scale_min=Decimal(0),
            scale_max=Decimal(6),
            anchors=[],
        )
    return rubric


def bench_judge_run(args: argparse.Namespace) -> bool:
    project = ProjectFactory(slug="bench-judge")
    rubric = _rubric("bench-judge-rubric")
    ReviewSettings.objects.create(project=project, rubric=rubric)
    for n in range(args.items):
        SessionItemFactory(
            project=project,
            session__turns=[("client", f"[item-{n}] I cannot focus."), ("counselor", "Tell me.")],
        )
    server = JudgeServer(default_delay_s=args.delay).start()
    try:
        config = JudgeConfig.objects.create(
            project=project,
            name="bench",
            base_url=server.url,
            model="judge-model-1",
            api_key_name=KEY_NAME,
            concurrency=args.concurrency,
            timeout=10.0,
        )
        started = time.monotonic()
        run = judge_run_execute(run=JudgeRun.objects.create(config=config))
        elapsed = time.monotonic() - started
        average, peak = server.average_in_flight(), server.max_in_flight
        asked = len(server.requests)
        started = time.monotonic()
        rerun = judge_run_execute(run=JudgeRun.objects.create(config=config))
        rerun_s = time.monotonic() - started
        resent = len(server.requests) - asked
    finally:
        server.stop()
    ratio = average / args.concurrency
    print(f"judge run         {run.n_called} calls, {run.n_ok} ok, stored as JudgeResult rows")
    print(
        f"in flight         {average:.2f} on average of {args.concurrency} "
        f"({ratio:.1%}), peak {peak}"
    )
    print(f"throughput        {run.n_called / elapsed:.1f} answers/s stored, wall {elapsed:.2f} s")
    print(f"rerun             {rerun.n_reused} reused, {resent} requests sent, {rerun_s:.2f} s")
    return ratio >= args.target and resent == 0


def bench_report(args: argparse.Namespace) -> None:
    project = ProjectFactory(slug="bench-agreement")
    rubric = _rubric("bench-agreement-rubric")
    ReviewSettings.objects.create(project=project, rubric=rubric)
    criteria = list(rubric.criteria.order_by("position"))
    reviewers = [UserFactory(username=f"bench-reviewer-{n}") for n in range(3)]
    items = [SessionItemFactory(project=project) for _ in range(args.review_items)]
    rng = np.random.default_rng(0)
    now = timezone.now()
    started = time.monotonic()
    for reviewer in reviewers:
        assignments = Assignment.objects.bulk_create(
            Assignment(item=item, reviewer=reviewer, status="submitted", submitted_at=now)
            for item in items
        )
        reviews = Review.objects.bulk_create(
            Review(
                assignment=a,
                item=a.item,
                reviewer=reviewer,
                rubric=rubric,
                status="submitted",
                submitted_at=now,
            )
            for a in assignments
        )
        signal = rng.integers(0, 7, size=(len(reviews), CRITERIA))
        noise = rng.integers(-1, 2, size=signal.shape)
        values = np.clip(signal + noise, 0, 6)
        Score.objects.bulk_create(
            (
                Score(review=review, criterion=criterion, value=Decimal(int(values[i, j])))
                for i, review in enumerate(reviews)
                for j, criterion in enumerate(criteria)
            ),
            batch_size=5000,
        )
    loaded = time.monotonic() - started
    n_scores = Score.objects.filter(review__item__project=project).count()
    started = time.monotonic()
    report = agreement_refresh(project=project, rubric=rubric)
    computed = time.monotonic() - started
    started = time.monotonic()
    cached = agreement_cached(project=project, rubric=rubric, since=None, until=None)
    read = time.monotonic() - started
    assert cached is not None
    assert Item.objects.filter(project=project).count() == len(items)
    print(
        f"report data       {len(items)} items x 3 reviewers x {CRITERIA} = {n_scores} scores "
        f"(loaded in {loaded:.1f} s)"
    )
    print(
        f"full report       {computed:.2f} s ({len(report['criteria'])} criteria, composite, "
        f"{len(report['reviewers'])} reviewer rows, {len(report['weeks'])} weekly rows, "
        f"1,000 resamples)"
    )
    print(f"cached read       {read * 1000:.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--review-items", type=int, default=2000)
    parser.add_argument("--target", type=float, default=0.9)
    args = parser.parse_args()
    settings.JUDGE_API_KEYS = {KEY_NAME: KEY}
    for name in ("httpx", "httpx2", "openai"):
        logging.getLogger(name).setLevel(logging.WARNING)
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        print(f"database          {connection.vendor}")
        ok = bench_judge_run(args)
        bench_report(args)
    finally:
        teardown_databases(old, verbosity=0)
    print(
        f"result            {'ok' if ok else 'FAILED'} "
        f"(target {args.target:.0%} in flight, no rerun calls)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
