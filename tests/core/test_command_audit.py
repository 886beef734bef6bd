"""Roles granted from the command line are in the project's audit log, like those on the pages."""

import pytest
from django.core.management import call_command

from core.models import AuditEvent, Project, Role
from tests.factories import ProjectFactory, UserFactory


@pytest.mark.django_db
def test_create_user_with_a_role_is_audited() -> None:
    project = ProjectFactory(slug="clinic")

    call_command("create_user", "newcomer", project="clinic", role=Role.REVIEWER, stdout=None)

    event = AuditEvent.objects.get(project=project, action="review.member.set")
    assert event.actor is None
    assert event.after == {"user": "newcomer", "role": Role.REVIEWER}
    assert "create_user" in event.reason


@pytest.mark.django_db
def test_create_project_with_a_lead_is_audited() -> None:
    UserFactory(username="boss")

    call_command("create_project", "clinic", name="Clinic", lead="boss", stdout=None)

    project = Project.objects.get(slug="clinic")
    event = AuditEvent.objects.get(project=project, action="review.member.set")
    assert event.after == {"user": "boss", "role": Role.LEAD}
    assert "create_project" in event.reason
