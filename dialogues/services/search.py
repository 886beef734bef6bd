"""The session list's search documents: each session's turns as one upper-cased text.

An import commits its sessions, turns and flags first (they are browsable then), and builds
their documents right after, in one statement per batch. Until a session has its document the
list searches its turns directly and says that the search index is still being built, so a
search is never silently partial (``dialogues.selectors.session_list``).
"""

from __future__ import annotations

from django.db import connection, transaction

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


def search_documents_build(*, batch_id: int | None = None, project_id: int | None = None) -> int:
    """Build the missing documents of a batch's or a project's sessions; how many were built.

    Idempotent and safe beside another build of the same sessions (a document already there is
    kept), so a job that was killed before or during it can simply run it again.
    """
    if batch_id is None and project_id is None:
        raise TypeError("search_documents_build needs a batch_id or a project_id")
    where, params = (
        ("session.batch_id = %s", [batch_id])
        if batch_id is not None
        else ("session.project_id = %s", [project_id])
    )
    sql = (_POSTGRES if connection.vendor == "postgresql" else _SQLITE).format(where=where)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)
