"""Two leads remove each other at the same moment: one removal goes through, the project keeps a
lead, and the other is told why it was refused.

The count of leads was read without a lock, so both removals saw two leads. The test holds the
lead memberships' row locks until both removals queue behind them (see tests/locking.py).
PostgreSQL only: SQLite has no row locks to race on.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from core.models import Membership, Role
from review.services.projects import ProjectSetupError, project_member_remove
from tests.factories import ProjectFactory, member
from tests.locking import holding, wait_for_waiters

pytestmark = [
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite has no row locks and one writer at a time; CI runs this on PostgreSQL",
    ),
]


@pytest.mark.django_db(transaction=True)
def test_two_leads_removing_each_other_at_once_leave_one_lead() -> None:
    project = ProjectFactory()
    first, second = member(project, Role.LEAD), member(project, Role.LEAD)
    outcomes: dict[str, Any] = {}

    def remove(actor: Any, target: Any) -> None:
        try:
            membership = Membership.objects.select_related("user").get(project=project, user=target)
            project_member_remove(project=project, membership=membership, actor=actor)
            outcomes[actor.username] = "removed"
        except Exception as exc:  # reported below; a thread cannot fail the test itself
            outcomes[actor.username] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=remove, args=(first, second)),
        threading.Thread(target=remove, args=(second, first)),
    ]
    leads = Membership.objects.select_for_update().filter(project=project, role=Role.LEAD)
    with holding(lambda: list(leads)):
        for thread in threads:
            thread.start()
        queued = wait_for_waiters(2)
    for thread in threads:
        thread.join(timeout=30)

    assert queued, "both removals should queue behind the leads' rows"
    assert Membership.objects.filter(project=project, role=Role.LEAD).count() == 1
    assert sorted(type(o).__name__ for o in outcomes.values()) == ["ProjectSetupError", "str"]
    refused = next(o for o in outcomes.values() if isinstance(o, ProjectSetupError))
    assert "at least one lead" in str(refused)
