"""One background thread that runs an export's tasks in the order they were given.

The MinHash batches and the Parquet row groups of an export spend most of their time in numpy
and pyarrow, which run without the GIL: run in a thread, they overlap with the Python work of
reading and encoding the next items. Each needs its results (or its failures) in order and its
memory bounded, so a task is waited for as soon as more than ``queued`` others wait behind the
one running.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class InOrderThread(Generic[T]):
    """Runs tasks one at a time in a thread started on the first task; results come back
    oldest first, and a task's exception is raised where its result is collected."""

    def __init__(self, *, name: str, queued: int) -> None:
        self._name = name
        self._queued = queued
        self._futures: deque[Future[T]] = deque()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, task: Callable[..., T], *args: Any) -> list[T]:
        """Queue a task; the results of the tasks that had to be waited for to make room."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        self._futures.append(self._pool.submit(task, *args))
        done = []
        while len(self._futures) > self._queued:
            done.append(self._futures.popleft().result())
        return done

    def drain(self) -> list[T]:
        """Wait for every task; their results, oldest first. The thread then stops."""
        done = []
        try:
            while self._futures:
                done.append(self._futures.popleft().result())
        finally:
            self.close()
        return done

    def close(self) -> None:
        """Stop the thread; tasks not started yet are dropped (after a failure)."""
        for future in self._futures:
            future.cancel()
        self._futures.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
