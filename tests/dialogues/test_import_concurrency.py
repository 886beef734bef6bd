"""A running import must not freeze the reviewers of its project.

Every reviewer write appends an audit event that references the project; its foreign-key check
takes FOR KEY SHARE on the project row. An import that held the project row FOR UPDATE for its
whole transaction made every such write wait for the import to commit.

The import is paused in the middle of its transaction, with sessions written and its lock held,
until the reviewer's writes are done (or a deadline passes, so a blocked write cannot hang the
suite). The test asserts what a reviewer notices: their saves went through while the import was
still running. Real threads, each with its own PostgreSQL connection; SQLite has one writer at a
time, so the situation cannot be staged there.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest
from django.db import connection, connections

from dialogues.models import ImportBatch, Session
from dialogues.services import imports
from dialogues.services.imports import Upload, import_batch_create, import_batch_run
from review.models import Assignment, Review
from review.services.assignment import assignment_next
from review.services.reviewing import review_draft_save, review_input_from_form, review_submit
from tests.dialogues.importing import conversation, jsonl
from tests.locking import wait_for_waiters
from tests.review.reviewer_world import FULL_FORM, review_world

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and one writer at a time; CI runs this on PostgreSQL",
    ),
]

# Long enough for a blocked write to show; a write that is not blocked takes milliseconds.
DEADLINE = 10


def _upload(project: Any, count: int) -> ImportBatch:
    data = jsonl(
        *(
            conversation(
                ("client", f"Worry number {n} keeps me awake."),
                ("counselor", "What do you notice when it starts?"),
                id=f"night-{n}",
            )
            for n in range(count)
        )
    )
    return import_batch_create(
        project=project,
        user=None,
        uploads=[Upload("nights.jsonl", io.BytesIO(data))],
        format_name="messages",
    )


@pytest.mark.django_db(transaction=True)
def test_reviewers_save_and_submit_while_an_import_runs_in_their_project(monkeypatch) -> None:
    monkeypatch.setattr(imports, "CHUNK_SESSIONS", 5)
    monkeypatch.setattr(imports._ByteMeter, "INTERVAL", 0)
    world = review_world(items=2, reviewers=1, overlap=1)
    reviewer = world.reviewers[0]
    batch = _upload(world.project, 40)
    assignment = assignment_next(project=world.project, reviewer=reviewer)
    assert assignment is not None

    import_paused = threading.Event()
    writes_done = threading.Event()
    seen: dict[str, Any] = {}

    def pause_mid_import(done=None, *, total=None, message=None, force=False) -> None:
        # Inside the import's transaction its own written sessions are visible to it.
        if import_paused.is_set() or not Session.objects.filter(batch=batch).exists():
            return
        import_paused.set()
        writes_done.wait(timeout=DEADLINE)
        seen["writes_done_while_importing"] = writes_done.is_set()

    def run_import() -> None:
        try:
            seen["outcome"] = import_batch_run(batch_id=batch.pk, progress=pause_mid_import)
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            seen["import_error"] = exc
        finally:
            import_paused.set()
            connections.close_all()

    def review() -> None:
        try:
            import_paused.wait(timeout=DEADLINE)
            seen["started_while_importing"] = "outcome" not in seen
            draft = review_input_from_form(data={"score-empathy": "2"}, rubric=world.rubric)
            review_draft_save(assignment=assignment, data=draft)
            full = review_input_from_form(data=FULL_FORM, rubric=world.rubric)
            review_submit(assignment=assignment, data=full)
            seen["next"] = assignment_next(project=world.project, reviewer=reviewer)
        except Exception as exc:
            seen["review_error"] = exc
        finally:
            writes_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_import), threading.Thread(target=review)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=3 * DEADLINE)

    assert "import_error" not in seen, seen
    assert "review_error" not in seen, seen
    assert seen["started_while_importing"]
    assert seen["writes_done_while_importing"], "the reviewer's writes waited for the import"
    assert seen["outcome"].sessions_created == 40
    assert Review.objects.get(assignment=assignment).status == Review.Status.SUBMITTED
    assert seen["next"] is not None
    assert Assignment.objects.filter(reviewer=reviewer).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_content_in_one_project_take_turns(monkeypatch) -> None:
    """The lock that replaced the row lock still keeps imports of one project in a queue."""
    monkeypatch.setattr(imports, "CHUNK_SESSIONS", 5)
    world = review_world(items=0, reviewers=0)
    first, second = _upload(world.project, 12), _upload(world.project, 12)
    first_paused, release = threading.Event(), threading.Event()
    outcomes: dict[int, Any] = {}

    def hold_first(done=None, *, total=None, message=None, force=False) -> None:
        if first_paused.is_set() or not Session.objects.filter(batch=first).exists():
            return
        first_paused.set()
        release.wait(timeout=DEADLINE)

    def run(batch: ImportBatch, progress: Any) -> None:
        try:
            outcomes[batch.pk] = import_batch_run(batch_id=batch.pk, progress=progress)
        except Exception as exc:  # reported below
            outcomes[batch.pk] = exc
        finally:
            first_paused.set()
            connections.close_all()

    one = threading.Thread(target=run, args=(first, hold_first))
    two = threading.Thread(target=run, args=(second, imports._no_progress))
    one.start()
    first_paused.wait(timeout=DEADLINE)
    two.start()
    queued = wait_for_waiters(1)
    release.set()
    one.join(timeout=3 * DEADLINE)
    two.join(timeout=3 * DEADLINE)

    assert queued, "the second import should wait for the first"
    assert outcomes[first.pk].sessions_created == 12, outcomes
    assert outcomes[second.pk].sessions_created == 0
    assert outcomes[second.pk].duplicates == 12
    assert Session.objects.filter(project=world.project).count() == 12
