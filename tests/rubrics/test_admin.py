"""The admin shows rubrics but cannot publish around the checks or change a published version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrics.models import Criterion, Rubric
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.rubrics.factories import CriterionFactory, CriterionGroupFactory, RubricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    return client_for(UserFactory(username="root", is_staff=True, is_superuser=True))


def _change_url(rubric: Rubric) -> str:
    return reverse("admin:rubrics_rubric_change", args=[rubric.pk])


def _form_data(rubric: Rubric, **changes) -> dict:
    """What the change form posts for a rubric with no groups or criteria shown as changed."""
    data = {
        "slug": rubric.slug,
        "version": rubric.version,
        "status": "published",
        "published_at_0": "2026-01-01",
        "published_at_1": "00:00:00",
        "scope": rubric.scope,
        "languages": '["en"]',
        "name": '{"en": "Renamed"}',
        "description": "{}",
        "source": "",
        "total_method": rubric.total_method,
        "cutoff": "",
        "groups-TOTAL_FORMS": "0",
        "groups-INITIAL_FORMS": "0",
        "criteria-TOTAL_FORMS": "0",
        "criteria-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def test_the_admin_cannot_add_a_rubric(admin_client) -> None:
    assert admin_client.get(reverse("admin:rubrics_rubric_add")).status_code == 403


def test_saving_a_draft_in_the_admin_leaves_status_slug_and_version_alone(admin_client) -> None:
    rubric = RubricFactory(slug="draft-here")
    response = admin_client.post(_change_url(rubric), _form_data(rubric, slug="other", version=9))
    assert response.status_code == 302
    rubric.refresh_from_db()
    assert rubric.name == {"en": "Renamed"}  # the editable part did change
    assert (rubric.slug, rubric.version, rubric.status, rubric.published_at) == (
        "draft-here",
        1,
        "draft",
        None,
    )


def test_a_published_rubric_is_read_only_in_the_admin(admin_client) -> None:
    rubric = RubricFactory(slug="frozen", status=Rubric.Status.PUBLISHED)
    group = CriterionGroupFactory(rubric=rubric, code="g")
    criterion = CriterionFactory(rubric=rubric, group=group, code="x")
    page = admin_client.get(_change_url(rubric)).content.decode()
    assert 'name="_save"' not in page
    assert 'name="criteria-0-code"' not in page  # the criteria are shown, not as inputs
    data = _form_data(
        rubric,
        **{
            "criteria-TOTAL_FORMS": "1",
            "criteria-INITIAL_FORMS": "1",
            "criteria-0-id": str(criterion.pk),
            "criteria-0-rubric": str(rubric.pk),
            "criteria-0-code": "changed",
            "criteria-0-DELETE": "on",
        },
    )
    assert admin_client.post(_change_url(rubric), data).status_code == 403
    url = reverse("admin:rubrics_rubric_delete", args=[rubric.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    rubric.refresh_from_db()
    assert rubric.name == {"en": f"Rubric {rubric.slug}", "zh-hans": f"量表 {rubric.slug}"}
    assert Criterion.objects.get(pk=criterion.pk).code == "x"


def test_bulk_delete_in_the_admin_spares_published_versions(admin_client) -> None:
    published = RubricFactory(slug="kept", status=Rubric.Status.PUBLISHED)
    response = admin_client.post(
        reverse("admin:rubrics_rubric_changelist"),
        {"action": "delete_selected", "_selected_action": [published.pk], "post": "yes"},
    )
    assert response.status_code in (200, 403)
    assert Rubric.objects.filter(pk=published.pk).exists()


def test_the_admin_publishes_only_through_the_publish_checks(admin_client) -> None:
    good = RubricFactory(slug="good")
    CriterionFactory(rubric=good)
    broken = RubricFactory(slug="broken")
    group = CriterionGroupFactory(rubric=broken, code="g", maximum=5)
    CriterionFactory(rubric=broken, group=group)
    response = admin_client.post(
        reverse("admin:rubrics_rubric_changelist"),
        {"action": "publish_drafts", "_selected_action": [good.pk, broken.pk]},
        follow=True,
    )
    text = response.content.decode().lower()  # the admin capitalises its messages
    assert "good v1 is published." in text
    assert "broken v1: groups[0].maximum: the criteria of group" in text
    good.refresh_from_db()
    broken.refresh_from_db()
    assert good.status == "published"
    assert good.published_at is not None
    assert broken.status == "draft"
