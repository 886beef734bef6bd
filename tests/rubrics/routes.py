from rubrics.models import Rubric
from tests.routes import Route
from tests.rubrics.factories import CriterionFactory, CriterionGroupFactory, RubricFactory

# Everyone with a role reads published rubrics (exports cite them); leads create rubrics, and a
# draft is changed only by its creator (the lead here) or staff.
VIEWERS = frozenset({"lead", "reviewer", "trainer"})
EDITORS = frozenset({"lead"})


def _draft(world):
    """The lead's draft with one group and one criterion, made the first time a route needs it."""
    if "rubric_draft" not in world.objects:
        rubric = RubricFactory(slug="access-check", created_by=world.lead)
        group = CriterionGroupFactory(rubric=rubric)
        criterion = CriterionFactory(rubric=rubric, group=group)
        world.objects.update(rubric_draft=rubric, rubric_group=group, rubric_criterion=criterion)
    return world.objects["rubric_draft"]


def _published(world):
    """A published rubric (reviewers see only published versions)."""
    if "rubric_published" not in world.objects:
        rubric = RubricFactory(slug="access-published", status=Rubric.Status.PUBLISHED)
        CriterionFactory(rubric=rubric)
        world.objects["rubric_published"] = rubric
    rubric = world.objects["rubric_published"]
    return {"slug": rubric.slug, "version": rubric.version}


def _slug(world):
    return {"slug": _published(world)["slug"]}


def _version(world):
    rubric = _draft(world)
    return {"slug": rubric.slug, "version": rubric.version}


def _group(world):
    return {**_version(world), "group_id": world.objects["rubric_group"].pk}


def _criterion(world):
    return {**_version(world), "criterion_id": world.objects["rubric_criterion"].pk}


ROUTES = [
    Route("rubrics:rubric_list", "user", allowed=VIEWERS),
    Route("rubrics:rubric_create", "user", allowed=EDITORS),
    Route("rubrics:rubric_import", "user", allowed=EDITORS),
    Route("rubrics:rubric_detail", "user", _slug, allowed=VIEWERS),
    Route("rubrics:rubric_version", "user", _published, allowed=VIEWERS),
    Route("rubrics:rubric_export", "user", _published, allowed=VIEWERS),
    Route("rubrics:rubric_edit", "user", _version, allowed=EDITORS),
    Route("rubrics:rubric_new_version", "user", _version, method="POST", allowed=EDITORS),
    # A lead derives a copy of a published rubric they may not version (GET: the form).
    Route("rubrics:rubric_derive", "user", _published, allowed=EDITORS),
    Route("rubrics:rubric_derive", "user", _published, method="POST", allowed=EDITORS),
    Route("rubrics:rubric_publish", "user", _version, method="POST", allowed=EDITORS),
    Route("rubrics:rubric_delete", "user", _version, method="POST", allowed=EDITORS),
    Route("rubrics:group_add", "user", _version, allowed=EDITORS),
    Route("rubrics:group_edit", "user", _group, allowed=EDITORS),
    Route("rubrics:group_delete", "user", _group, method="POST", allowed=EDITORS),
    Route("rubrics:criterion_add", "user", _version, allowed=EDITORS),
    Route("rubrics:criterion_edit", "user", _criterion, allowed=EDITORS),
    Route("rubrics:criterion_delete", "user", _criterion, method="POST", allowed=EDITORS),
    Route("api_rubric_list", "user", api=True, allowed=VIEWERS),
    Route("api_rubric_versions", "user", _slug, api=True, allowed=VIEWERS),
    Route("api_rubric_version", "user", _published, api=True, allowed=VIEWERS),
]
