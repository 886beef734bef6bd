"""Creating a review project in the browser, renaming it, and the rubric scope rule."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from core.models import AuditEvent, Membership, Project, Role
from review.models import ReviewSettings, TaskKind
from review.services.projects import ProjectSetupError, review_settings_update
from rubrics.models import Rubric, Scope
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.review.lead_fixtures import published_rubric
from tests.review.test_projects import _change
from tests.rubrics.factories import RubricFactory

pytestmark = pytest.mark.django_db

URL = reverse("review:project_create")


def _form(rubric, **fields):
    data = {
        "name": "Spring round",
        "slug": "spring-round",
        "description": "Second pass over the CPsyCoun import.",
        "rubric": str(rubric.pk),
        "task_kinds": ["scoring"],
        "overlap": "3",
        "due_date": "2027-03-01",
        "guidelines": "Score what was said.",
    }
    data.update(fields)
    return data


def test_a_lead_creates_a_project_and_leads_it(world):
    rubric = published_rubric()

    response = client_for(world.lead).post(URL, _form(rubric))

    project = Project.objects.get(slug="spring-round")
    assert response.status_code == 302
    assert response["Location"] == reverse("review:lead_project", args=["spring-round"])
    assert project.name == "Spring round"
    assert Membership.objects.get(project=project, user=world.lead).role == Role.LEAD
    settings = ReviewSettings.objects.get(project=project)
    assert (settings.rubric, settings.overlap, settings.task_kinds) == (rubric, 3, ["scoring"])
    assert str(settings.due_date) == "2027-03-01"
    event = AuditEvent.objects.get(action="review.project.create")
    assert (event.actor, event.project, event.after["slug"]) == (
        world.lead,
        project,
        "spring-round",
    )


def test_staff_who_lead_nothing_may_create(world):
    staff = UserFactory(is_staff=True)
    page = client_for(staff).get(URL)
    assert page.status_code == 200
    assert "New review project" in page.content.decode()


@pytest.mark.parametrize("role", ["reviewer", "trainer", "nobody"])
def test_others_may_not_create_a_project(world, role):
    rubric = published_rubric()
    client = client_for(UserFactory() if role == "nobody" else getattr(world, role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(rubric)).status_code == 403
    assert not Project.objects.filter(slug="spring-round").exists()


def test_the_home_page_links_to_the_create_page_only_for_those_who_may(world):
    home = reverse("review:home")
    create = reverse("review:project_create")
    assert create in client_for(world.lead).get(home).content.decode()
    assert create not in client_for(world.reviewer).get(home).content.decode()


def test_a_taken_slug_is_refused_with_a_message(world):
    rubric = published_rubric()

    response = client_for(world.lead).post(URL, _form(rubric, slug=world.project.slug))

    assert response.status_code == 200
    assert "exists already" in response.content.decode()
    assert Project.objects.filter(slug=world.project.slug).count() == 1


def test_scoring_without_a_rubric_is_refused_and_nothing_is_created(world):
    response = client_for(world.lead).post(URL, {**_form(published_rubric()), "rubric": ""})

    assert response.status_code == 200
    assert "Session scoring needs a rubric version." in response.content.decode()
    assert not Project.objects.filter(slug="spring-round").exists()


def test_the_lead_renames_the_project_in_settings(world):
    rubric = published_rubric()
    review_settings_update(project=world.project, change=_change(rubric), actor=world.lead)

    review_settings_update(
        project=world.project, change=_change(rubric, name="Clinic, spring"), actor=world.lead
    )

    world.project.refresh_from_db()
    assert world.project.name == "Clinic, spring"
    event = AuditEvent.objects.get(action="review.project.rename")
    assert (event.before, event.after) == ({"name": "Clinic"}, {"name": "Clinic, spring"})
    page = client_for(world.lead).get(reverse("review:lead_settings", args=[world.project.slug]))
    assert 'value="Clinic, spring"' in page.content.decode()


def test_an_empty_name_is_refused(world):
    with pytest.raises(ProjectSetupError) as error:
        review_settings_update(
            project=world.project, change=_change(published_rubric(), name="  "), actor=world.lead
        )
    assert error.value.field == "name"


def test_a_pair_rubric_cannot_score_sessions(world):
    pair_rubric = RubricFactory(status=Rubric.Status.PUBLISHED, scope=Scope.RESPONSE_PAIR)

    with pytest.raises(ProjectSetupError) as error:
        review_settings_update(project=world.project, change=_change(pair_rubric), actor=world.lead)

    assert error.value.field == "rubric"


def test_a_session_rubric_cannot_be_the_pair_principles(world):
    rubric = published_rubric()
    change = dataclasses.replace(
        _change(rubric), pair_rubric=published_rubric("other"), task_kinds=[TaskKind.PAIRWISE]
    )

    with pytest.raises(ProjectSetupError) as error:
        review_settings_update(project=world.project, change=change, actor=world.lead)

    assert error.value.field == "pair_rubric"
