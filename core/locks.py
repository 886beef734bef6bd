"""Locks that serialise one kind of work per project without touching the project's row.

Every ordinary write (a draft, a submit, an audit event) references the project, and the
foreign-key check of that reference takes FOR KEY SHARE on the project row. A long transaction
that locked the row FOR UPDATE (an import that takes minutes) made all of them wait, and with a
few web workers the whole site. A PostgreSQL advisory lock names the work instead of the row:
only work of the same kind in the same project waits for it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def _namespace(purpose: str) -> int:
    """A stable signed 32-bit number for the purpose (advisory locks take two int4 keys)."""
    value = zlib.crc32(purpose.encode())
    return value - 2**32 if value >= 2**31 else value


def project_work_lock(*, project_id: int, purpose: str) -> None:
    """Wait until no other transaction does ``purpose`` in this project; hold it until commit.

    Call inside ``transaction.atomic``: the lock is released when the transaction ends. SQLite
    has one writer at a time (transactions begin IMMEDIATE), which already serialises the work.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("project_work_lock is held until commit; call it inside atomic()")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_namespace(purpose), project_id])


@contextmanager
def member_work_lock(*, project_id: int, user_id: int, purpose: str) -> Iterator[None]:
    """Let one person do ``purpose`` in a project once at a time (a second tab waits for the first).

    Outside a transaction the lock is held for the block and released at its end, after what the
    block wrote was committed, so the next holder sees it; inside one it is held until commit.
    Either way a connection that dies lets go of it. SQLite serialises writers already.
    """
    if connection.vendor != "postgresql":
        yield
        return
    key = [_namespace(f"{purpose}:{project_id}"), user_id]
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)
            yield
            return
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
