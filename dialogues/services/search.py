"""The session list's search documents: each session's turns as one upper-cased text.

An import commits its sessions, turns and flags first (they are browsable then), and builds
their documents right after, in one statement per batch. Until a session has its document the
list searches its turns directly and says that the search index is still being built, so a
search is never silently partial (``dialogues.selectors.session_list``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection, connections, transaction

from dialogues.models import Session

# Turns are joined with a line break, which no search box sends, so a match never spans turns.
_POSTGRES = """
INSERT INTO dialogues_sessionsearch (session_id, document)
SELECT turn.session_id, UPPER(string_agg(turn.text, E'\\n' ORDER BY turn.index))
FROM dialogues_turn AS turn
JOIN dialogues_session AS session ON session.id = turn.session_id
WHERE {where}
  AND NOT EXISTS (SELECT 1 FROM dialogues_sessionsearch AS s WHERE s.session_id = session.id)
GROUP BY turn.session_id
ON CONFLICT (session_id) DO NOTHING
"""
# SQLite's group_concat keeps the order of the ordered subquery it reads.
_SQLITE = """
INSERT OR IGNORE INTO dialogues_sessionsearch (session_id, document)
SELECT session_id, UPPER(group_concat(text, char(10)))
FROM (
    SELECT turn.session_id AS session_id, turn.text AS text
    FROM dialogues_turn AS turn
    JOIN dialogues_session AS session ON session.id = turn.session_id
    WHERE {where}
      AND NOT EXISTS (SELECT 1 FROM dialogues_sessionsearch AS s WHERE s.session_id = session.id)
    ORDER BY turn.session_id, turn."index"
)
GROUP BY session_id
"""


# A batch of at least this many sessions builds its documents on several connections at once,
# one share of the sessions each: the trigram index costs CPU in the database, and one statement
# runs on one core.
PARALLEL_FROM = 4000


def search_documents_build(*, batch_id: int | None = None, project_id: int | None = None) -> int:
    """Build the missing documents of a batch's or a project's sessions; how many were built.

    Idempotent and safe beside another build of the same sessions (a document already there is
    kept), so a job that was killed before or during it can simply run it again. On PostgreSQL,
    outside a transaction, a large batch is built in IMPORT_SEARCH_BUILD_CONNECTIONS shares at
    once, each on a connection of its own.
    """
    if batch_id is not None:
        where, params = "session.batch_id = %s", [batch_id]
    elif project_id is not None:
        where, params = "session.project_id = %s", [project_id]
    else:
        raise TypeError("search_documents_build needs a batch_id or a project_id")
    shares = _shares(batch_id=batch_id)
    if shares == 1:
        return _build(where, params)
    share_where = f"{where} AND MOD(session.id, %s) = %s"
    with ThreadPoolExecutor(max_workers=shares) as pool:
        built = pool.map(
            _build_on_own_connection,
            [share_where] * shares,
            [[*params, shares, share] for share in range(shares)],
        )
        return sum(built)


def _shares(*, batch_id: int | None) -> int:
    """Into how many shares to split the build: 1 unless the other connections can see the
    sessions (committed, on PostgreSQL) and there are enough of them to pay for it."""
    shares = max(int(settings.IMPORT_SEARCH_BUILD_CONNECTIONS), 1)
    if (
        shares == 1
        or batch_id is None
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return 1
    if Session.objects.filter(batch_id=batch_id).count() < PARALLEL_FROM:
        return 1
    return shares


def _build_on_own_connection(where: str, params: list[int]) -> int:
    # A thread has its own connection in Django; it is closed when the share is built.
    try:
        return _build(where, params)
    finally:
        connections.close_all()


def _build(where: str, params: list[int]) -> int:
    sql = (_POSTGRES if connection.vendor == "postgresql" else _SQLITE).format(where=where)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
