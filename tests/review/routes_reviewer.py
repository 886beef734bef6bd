"""Access routes of the review app's reviewer pages (see tests/core/test_access.py)."""

from tests.routes import Route

REVIEWERS = frozenset({"reviewer"})


def _project(world):
    return {"slug": world.project.slug}


def _item(world):
    """A session item of the world's project on which the world's reviewer holds a slot."""
    if "reviewer_item" not in world.objects:
        from tests.review.factories import (
            AssignmentFactory,
            ReviewSettingsFactory,
            SessionItemFactory,
        )

        ReviewSettingsFactory(project=world.project)
        item = SessionItemFactory(project=world.project)
        AssignmentFactory(item=item, reviewer=world.reviewer)
        world.objects["reviewer_item"] = item
    return {"slug": world.project.slug, "item_id": world.objects["reviewer_item"].pk}


ROUTES = [
    Route("review:home", "user"),
    Route("review:item_next", "project", _project, method="POST", allowed=REVIEWERS),
    Route("review:my_work", "project", _project, allowed=REVIEWERS),
    Route("review:item", "project", _item, allowed=REVIEWERS),
    Route("review:item_draft", "project", _item, method="POST", allowed=REVIEWERS),
    Route("review:item_submit", "project", _item, method="POST", allowed=REVIEWERS),
    Route("review:item_edit", "project", _item, method="POST", allowed=REVIEWERS),
    Route("review:item_skip", "project", _item, method="POST", allowed=REVIEWERS),
    Route("review:item_rewrite", "project", _item, method="POST", allowed=REVIEWERS),
    Route("review:item_finish", "project", _item, method="POST", allowed=REVIEWERS),
]
