"""One read model of a project's progress: the lead's overview, the status API and the
dashboard card count the same reviews, each item's submitted reviews counted at most k times
(k reviewers per item), so extra reviews on one item never stand in for another item's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Role
from review.models import Assignment
from review.selectors.lead import project_progress as lead_progress
from review.selectors.reviewer import project_progress as card_progress
from review.selectors.status import project_review_status
from tests.conftest import client_for
from tests.factories import ProjectFactory, member
from tests.review.factories import AssignmentFactory, ReviewSettingsFactory, SessionItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded():
    """Two items, two reviewers per item; three reviewers submitted the first, none the
    second (the overlap was lowered after they had started, say)."""
    project = ProjectFactory(slug="ward")
    lead = member(project, Role.LEAD, "lead")
    ReviewSettingsFactory(project=project, overlap=2)
    first, _second = SessionItemFactory(project=project), SessionItemFactory(project=project)
    for name in ("ana", "bo", "cy"):
        AssignmentFactory(
            item=first,
            reviewer=member(project, Role.REVIEWER, name),
            status=Assignment.Status.SUBMITTED,
        )
    return project, lead


def test_the_lead_overview_counts_at_most_k_reviews_per_item(crowded) -> None:
    project, _lead = crowded

    progress = lead_progress(project=project)

    assert (progress.reviews_submitted, progress.reviews_needed, progress.percent) == (2, 4, 50)


def test_the_status_api_counts_at_most_k_reviews_per_item(crowded) -> None:
    project, lead = crowded
    status = project_review_status(project=project)
    api = APIClient()
    api.force_authenticate(lead)

    body = api.get(reverse("api_review_status", args=[project.slug])).json()

    assert (status.submitted, status.slots) == (2, 4)
    assert (body["submitted"], body["slots"]) == (2, 4)


def test_the_dashboard_card_counts_at_most_k_reviews_per_item(crowded) -> None:
    project, lead = crowded

    card = card_progress(project=project)
    page = client_for(lead).get(reverse("review:home")).content.decode()

    assert (card.submitted, card.slots, card.percent) == (2, 4, 50)
    assert "2 of 4 reviews" in page


def test_the_lead_overview_page_says_the_same(crowded) -> None:
    project, lead = crowded

    page = client_for(lead).get(reverse("review:lead_project", args=[project.slug]))

    assert "2 of 4 reviews (50%)" in page.content.decode()
