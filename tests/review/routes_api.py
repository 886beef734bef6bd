"""Access routes of the review app's API (see tests/core/test_access.py)."""

from review.models import Item
from rubrics.models import Rubric
from tests.review.factories import AssignmentFactory, ReviewSettingsFactory, SessionItemFactory
from tests.routes import Route
from tests.rubrics.factories import CriterionFactory, RubricFactory

REVIEWER = frozenset({"reviewer"})
LEAD = frozenset({"lead"})


def _item(world) -> Item:
    """A session item of the world's project on which the world's reviewer holds a slot."""
    if "api_item" not in world.objects:
        rubric = RubricFactory(slug="api-access", status=Rubric.Status.PUBLISHED)
        CriterionFactory(rubric=rubric)
        # Another area's routes may have made the settings already; the rubric must be set.
        settings = ReviewSettingsFactory(project=world.project)
        settings.rubric = rubric
        settings.save(update_fields=["rubric"])
        item = SessionItemFactory(project=world.project)
        AssignmentFactory(item=item, reviewer=world.reviewer)
        world.objects["api_item"] = item
    return world.objects["api_item"]


def _project(world):
    return {"slug": world.project.slug}


def _on_item(world):
    return {"slug": world.project.slug, "item_id": _item(world).pk}


ROUTES = [
    Route("api_review_next", "project", _project, method="POST", api=True, allowed=REVIEWER),
    Route("api_review_status", "project", _project, api=True, allowed=LEAD),
    Route("api_review_item", "project", _on_item, api=True, allowed=REVIEWER),
    Route("api_review_draft", "project", _on_item, method="PUT", api=True, allowed=REVIEWER),
    # An empty submission or skip is refused (400), so the roles check for these two lives in
    # tests/review/test_api.py.
    Route("api_review_submit", "project", _on_item, method="POST", api=True),
    Route("api_review_skip", "project", _on_item, method="POST", api=True),
    Route(
        "api_review_item_reviews",
        "project",
        _on_item,
        api=True,
        allowed=frozenset({"reviewer", "lead"}),
    ),
]
