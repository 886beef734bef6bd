"""Project and member changes made in the Django admin land in the project's audit log."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.models import AuditEvent, Membership, Role
from tests.conftest import client_for
from tests.factories import ProjectFactory, member


@pytest.mark.django_db
def test_a_rename_and_a_new_member_in_the_admin_are_audited() -> None:
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    project = ProjectFactory(name="Clinic", slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    newcomer = get_user_model().objects.create_user("newcomer")
    lead_row = Membership.objects.get(project=project, user=lead)
    form = {
        "name": "Clinic North",
        "slug": "clinic",
        "description": "",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(lead_row.pk),
        "memberships-0-project": str(project.pk),
        "memberships-0-user": str(lead.pk),
        "memberships-0-role": Role.LEAD,
        "memberships-1-project": str(project.pk),
        "memberships-1-user": str(newcomer.pk),
        "memberships-1-role": Role.REVIEWER,
    }

    response = client_for(staff).post(reverse("admin:core_project_change", args=[project.pk]), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    rename = AuditEvent.objects.get(project=project, action="review.project.rename")
    assert rename.actor == staff
    assert rename.before == {"name": "Clinic"}
    assert rename.after == {"name": "Clinic North"}
    added = AuditEvent.objects.get(project=project, action="review.member.set")
    assert added.actor == staff
    assert added.before is None
    assert added.after == {"user": "newcomer", "role": Role.REVIEWER}


@pytest.mark.django_db
def test_a_member_removed_in_the_admin_is_audited() -> None:
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    project = ProjectFactory(name="Clinic", slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    leaving = member(project, Role.REVIEWER, "leaving")
    rows = {row.user_id: row for row in Membership.objects.filter(project=project)}
    form = {
        "name": "Clinic",
        "slug": "clinic",
        "description": "",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, user in enumerate([lead, leaving]):
        form |= {
            f"memberships-{index}-id": str(rows[user.pk].pk),
            f"memberships-{index}-project": str(project.pk),
            f"memberships-{index}-user": str(user.pk),
            f"memberships-{index}-role": rows[user.pk].role,
        }
    form["memberships-1-DELETE"] = "on"

    response = client_for(staff).post(reverse("admin:core_project_change", args=[project.pk]), form)

    assert response.status_code == 302
    assert not Membership.objects.filter(project=project, user=leaving).exists()
    removed = AuditEvent.objects.get(project=project, action="review.member.remove")
    assert removed.actor == staff
    assert removed.before == {"user": "leaving", "role": Role.REVIEWER}
    assert not AuditEvent.objects.filter(project=project, action="review.project.rename").exists()


def _members_form(project, rows) -> dict[str, str]:
    form = {
        "name": project.name,
        "slug": project.slug,
        "description": "",
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(len(rows)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        form |= {
            f"memberships-{index}-id": str(row.pk),
            f"memberships-{index}-project": str(project.pk),
            f"memberships-{index}-user": str(row.user_id),
            f"memberships-{index}-role": row.role,
        }
    return form


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["remove", "demote"])
def test_the_admin_cannot_leave_a_project_without_a_lead(change) -> None:
    """The lead's pages refuse to remove or demote the last lead; the admin must too, or the
    project is left with nobody who can manage it."""
    staff = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    project = ProjectFactory(name="Clinic", slug="clinic")
    member(project, Role.LEAD, "lead")
    member(project, Role.REVIEWER, "reviewer")
    rows = list(Membership.objects.filter(project=project).order_by("role"))
    assert [row.role for row in rows] == [Role.LEAD, Role.REVIEWER]
    form = _members_form(project, rows)
    if change == "remove":
        form["memberships-0-DELETE"] = "on"
    else:
        form["memberships-0-role"] = Role.REVIEWER

    response = client_for(staff).post(reverse("admin:core_project_change", args=[project.pk]), form)

    assert response.status_code == 200
    assert "at least one lead" in response.content.decode()
    assert Membership.objects.filter(project=project, role=Role.LEAD).count() == 1
    member_events = AuditEvent.objects.filter(project=project, action__startswith="review.member")
    assert not member_events.exists()
