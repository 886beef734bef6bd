"""Many judge calls with a fixed number in flight, cancellable between answers.

Threads rather than asyncio: the caller is a Celery task that saves each answer through the
Django ORM, which is synchronous and keeps one connection per thread. With a thread pool the
calls wait on the network in worker threads while ``on_answer`` and ``should_stop`` run in the
caller's own thread, so saving and progress reporting need no ``sync_to_async`` and never share
a connection across threads. A judge run keeps tens of requests in flight at most, well within
what threads handle.

Requests are submitted only as slots free up (never all at once), so a cancelled run sends no
new request; the calls already in flight finish within the client timeout and their answers
are delivered, since the tokens are spent anyway.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from decimal import Decimal

from openai import OpenAI

from review.judges.answers import JudgeAnswer
from review.judges.calling import JudgeCancelled, judge_call, judge_client
from review.judges.endpoint import JudgeSettings
from review.judges.inputs import JudgeRequest


@dataclass
class JudgeRunSummary:
    answered: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: Decimal = Decimal(0)
    # True when should_stop() ended the run before every request was sent.
    stopped: bool = False
    # Requests abandoned during a retry pause because the run was stopped; they have no answer.
    abandoned: int = 0
    elapsed_s: float = 0.0


def judge_many(
    *,
    settings: JudgeSettings,
    requests: Iterable[JudgeRequest],
    on_answer: Callable[[JudgeAnswer], None],
    should_stop: Callable[[], bool] = lambda: False,
    client: OpenAI | None = None,
    stop_poll_s: float = 0.25,
) -> JudgeRunSummary:
    """Judge every request with up to ``settings.concurrency`` calls in flight.

    ``on_answer`` is called in this thread as each answer arrives, in completion order.
    ``should_stop`` is consulted before each new request and every ``stop_poll_s`` seconds
    while waiting; once it returns true no new request is sent. It is called often, so it
    should be cheap (a Job can answer from the cancel flag its progress reports last read).
    A missing API key raises ``JudgeConfigError`` before anything is sent.
    """
    client = client or judge_client(settings)
    summary = JudgeRunSummary()
    started = time.monotonic()
    stop = threading.Event()
    pending = iter(requests)
    exhausted = False
    in_flight: set[Future[JudgeAnswer]] = set()

    def stopping() -> bool:
        if not stop.is_set() and should_stop():
            stop.set()
            summary.stopped = True
        return stop.is_set()

    with ThreadPoolExecutor(
        max_workers=settings.concurrency, thread_name_prefix=f"judge-{settings.name}"
    ) as pool:
        try:
            while True:
                while not exhausted and len(in_flight) < settings.concurrency:
                    if stopping():
                        break
                    request = next(pending, None)
                    if request is None:
                        exhausted = True
                        break
                    in_flight.add(
                        pool.submit(
                            judge_call,
                            client=client,
                            settings=settings,
                            request=request,
                            stop=stop,
                        )
                    )
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, timeout=stop_poll_s, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        answer = future.result()
                    except JudgeCancelled:
                        summary.abandoned += 1
                        continue
                    summary.answered += 1
                    summary.by_status[answer.status] += 1
                    summary.prompt_tokens += answer.prompt_tokens
                    summary.completion_tokens += answer.completion_tokens
                    summary.cost += answer.cost
                    on_answer(answer)
                if not done:
                    stopping()
        finally:
            # Whatever ends the loop (including an exception from on_answer), calls pausing
            # before a retry give up at once so the pool shuts down without waiting them out.
            stop.set()
    summary.elapsed_s = time.monotonic() - started
    return summary
