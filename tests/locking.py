"""Staging races on PostgreSQL: hold a row lock until other connections queue behind it.

A race between two requests is decided by who reaches a lock first. To make the outcome of a
test certain rather than likely, the test holds the lock itself, lets every racer run up to it
and wait, then lets go: all racers have then passed every check made before the lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

# Only a deadline against a hang: the racers normally queue within milliseconds.
QUEUE_DEADLINE = 20.0


def lock_waiters() -> int:
    """How many other connections are waiting for a lock right now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def wait_for_waiters(count: int) -> bool:
    """Poll until ``count`` connections wait for a lock; False if they never did."""
    deadline = time.monotonic() + QUEUE_DEADLINE
    while time.monotonic() < deadline:
        if lock_waiters() >= count:
            return True
        time.sleep(0.02)
    return False


@contextmanager
def holding(lock: Callable[[], object]) -> Iterator[None]:
    """Run ``lock`` (a ``select_for_update`` read) in a transaction kept open for the block."""
    with transaction.atomic():
        lock()
        yield
