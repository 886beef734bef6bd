from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from core.audit import AuditAction, audit_record
from core.models import AuditEvent
from tests.conftest import client_for


@pytest.mark.django_db
def test_the_audit_log_refuses_updates_and_deletes(world) -> None:
    event = audit_record(
        actor=world.lead,
        action=AuditAction.ITEM_APPROVE,
        obj=world.job,
        project=world.project,
        before={"status": "reviewed"},
        after={"status": "approved"},
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == ""


@pytest.mark.django_db
def test_leads_see_the_log_per_object_and_per_person(world) -> None:
    audit_record(
        actor=world.reviewer,
        action=AuditAction.REVIEW_SUBMIT,
        obj=world.job,
        project=world.project,
        after={"scores": {"empathy": 4}},
    )
    audit_record(
        actor=world.lead,
        action=AuditAction.REVIEW_EDIT,
        obj=world.lead,
        project=world.project,
        before={"x": 1},
        after={"x": 2},
        reason="typo",
    )
    client = client_for(world.lead)
    url = reverse("core:project_audit", args=[world.project.slug])

    by_reviewer = client.get(url, {"actor": "reviewer"}).content.decode()
    assert "review.review.submit" in by_reviewer
    assert "review.review.edit" not in by_reviewer
    assert "&#x27;empathy&#x27;: 4" in by_reviewer

    by_object = client.get(
        url, {"object_type": "core.Job", "object_id": str(world.job.pk)}
    ).content.decode()
    assert "review.review.submit" in by_object
    assert "typo" not in by_object

    everything = client.get(url).content.decode()
    assert "typo" in everything


@pytest.mark.django_db
def test_reviewers_cannot_read_the_audit_log(world) -> None:
    url = reverse("core:project_audit", args=[world.project.slug])
    assert client_for(world.reviewer).get(url).status_code == 403
    assert client_for(world.outsider).get(url).status_code == 404
