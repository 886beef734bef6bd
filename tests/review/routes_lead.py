"""Access routes of the review app's lead pages (see tests/core/test_access.py)."""

from core.models import Role
from tests.factories import member
from tests.review.factories import SessionItemFactory
from tests.routes import Route

LEAD = frozenset({"lead"})


def _project(world):
    return {"slug": world.project.slug}


def _item(world):
    if "lead_item" not in world.objects:
        world.objects["lead_item"] = SessionItemFactory(project=world.project)
    return {"slug": world.project.slug, "item_id": world.objects["lead_item"].pk}


def _reviewer(world):
    return {"slug": world.project.slug, "user_id": world.reviewer.pk}


def _leaving(world):
    """A member only the remove route touches, so removing them leaves the world intact."""
    if "lead_leaving" not in world.objects:
        world.objects["lead_leaving"] = member(world.project, Role.TRAINER, "leaving")
    return {"slug": world.project.slug, "user_id": world.objects["lead_leaving"].pk}


ROUTES = [
    # Any signed-in user reaches it; only staff and leads get the form (see test_project_create).
    Route("review:project_create", "user"),
    Route("review:lead_project", "project", _project, allowed=LEAD),
    Route("review:lead_settings", "project", _project, allowed=LEAD),
    Route("review:lead_members", "project", _project, allowed=LEAD),
    Route("review:lead_member_remove", "project", _leaving, method="POST", allowed=LEAD),
    Route("review:lead_items", "project", _project, allowed=LEAD),
    Route("review:lead_item_add", "project", _project, allowed=LEAD),
    Route("review:lead_item", "project", _item, allowed=LEAD),
    Route("review:lead_item_audit", "project", _item, allowed=LEAD),
    Route("review:lead_item_gold", "project", _item, method="POST", allowed=LEAD),
    Route("review:lead_item_decide", "project", _item, method="POST", allowed=LEAD),
    Route("review:lead_adjudication", "project", _project, allowed=LEAD),
    Route("review:lead_adjudicate", "project", _item, allowed=LEAD),
    Route("review:lead_approval", "project", _project, allowed=LEAD),
    Route("review:lead_calibration", "project", _project, allowed=LEAD),
    Route("review:lead_calibration_decide", "project", _reviewer, method="POST", allowed=LEAD),
    Route("review:lead_reviewer", "project", _reviewer, allowed=LEAD),
]
