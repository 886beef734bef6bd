"""Writing an import's chunks on its connection in a thread, while the next chunk is read."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


class WriteBehind:
    """Runs the writes of one chunk while the caller prepares the next, on the same connection.

    Reading, validating and screening are Python, writing is mostly the database's work, and
    each waited for the other: with the writes in a thread of their own (it waits for the
    database with the GIL released) both cores work. One write runs at a time, in order, in
    the caller's transaction; the caller must not use the connection until :meth:`wait`, which
    also raises what a write raised. On SQLite, or where job progress shares the connection,
    writes run at once in the caller's thread.
    """

    def __init__(self) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]
        progress = connections[settings.JOB_PROGRESS_DATABASE]
        self.threaded = self.connection.vendor == "postgresql" and progress is not self.connection
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future[None] | None = None

    def __enter__(self) -> WriteBehind:
        if self.threaded:
            self.connection.inc_thread_sharing()
            self.pool = ThreadPoolExecutor(max_workers=1, initializer=self._share)
        return self

    def _share(self) -> None:
        # The writes' thread uses the caller's connection, and so its transaction.
        connections[DEFAULT_DB_ALIAS] = self.connection

    def submit(self, write: Callable[[], None]) -> None:
        if self.pool is None:
            write()
            return
        self.wait()
        self.pending = self.pool.submit(write)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is None:
            return
        try:
            if exc_info[0] is None:
                self.wait()
            elif self.pending is not None:
                # Leaving with an error: the transaction is about to roll back, but not while
                # a write still runs in it.
                self.pending.exception()
        finally:
            self.pool.shutdown(wait=True)
            self.connection.dec_thread_sharing()
