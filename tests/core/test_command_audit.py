"""Roles granted from the command line are in the project's audit log, like those on the pages."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.models import AuditEvent, Membership, Project, Role
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


def _audit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audit insert breaks (a full disk, a constraint, a bug), after the grant was written."""

    def refuse(**kwargs: object) -> None:
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(AuditEvent.objects, "create", refuse)


@pytest.mark.django_db(transaction=True)
def test_create_user_leaves_nothing_when_its_grant_cannot_be_audited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = ProjectFactory(slug="clinic")
    _audit_fails(monkeypatch)

    with pytest.raises(RuntimeError, match="audit write failed"):
        call_command("create_user", "newcomer", project="clinic", role=Role.REVIEWER, stdout=None)

    # No role held without its event, and no account left half made (a second run must work).
    assert not Membership.objects.filter(project=project).exists()
    assert not get_user_model().objects.filter(username="newcomer").exists()


@pytest.mark.django_db(transaction=True)
def test_create_project_leaves_nothing_when_its_lead_cannot_be_audited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    UserFactory(username="boss")
    _audit_fails(monkeypatch)

    with pytest.raises(RuntimeError, match="audit write failed"):
        call_command("create_project", "clinic", name="Clinic", lead="boss", stdout=None)

    assert not Membership.objects.exists()
    assert not Project.objects.filter(slug="clinic").exists()
