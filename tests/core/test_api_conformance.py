"""The whole API, fuzzed against its own schema on a live server, with a project lead's token.

Schemathesis reads /api/schema/, generates requests for every operation (the schema's examples,
its boundary and invalid values, then random ones) and checks each answer: never a server
error, only declared status codes, bodies that match the declared schema and content type.
Half the generated path values are swapped for objects the lead can really reach, so the
answers that carry data (where a field may be null) are checked too, not only the 404s.

The run is bounded: a few examples per operation, derandomized, so it takes the same requests
(and about the same time) every run; everything it writes lands in the test database.
"""

from __future__ import annotations

import json
from typing import Any

import hypothesis
import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.models import Job, Role
from core.tokens import api_token_create
from review.models import Review
from rubrics.models import Rubric
from tests.dialogues.factories import ImportBatchFactory, SessionFactory
from tests.factories import JobFactory, ProjectFactory, member
from tests.review.factories import (
    AssignmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    ScoreFactory,
    SessionItemFactory,
)
from tests.rubrics.factories import CriterionFactory, CriterionGroupFactory, RubricFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
# Per operation; with the schema's own cases this is a few dozen requests each.
EXAMPLES_PER_OPERATION = 5


def _lead_world() -> tuple[str, dict[str, Any]]:
    """A lead's project with a rubric (one criterion outside any group), a reviewed session,
    an import batch with no creator and no job, and jobs with and without a starter. Returns
    the lead's token and real values for each path parameter."""
    project = ProjectFactory(slug="clinic", name="Clinic")
    lead = member(project, Role.LEAD, "lead")
    reviewer = member(project, Role.REVIEWER, "reviewer")
    rubric = RubricFactory(slug="care", status=Rubric.Status.PUBLISHED)
    group = CriterionGroupFactory(rubric=rubric, code="warmth")
    empathy = CriterionFactory(rubric=rubric, code="empathy", group=group)
    CriterionFactory(rubric=rubric, code="safety", group=None)
    ReviewSettingsFactory(project=project, rubric=rubric, overlap=1)
    batch = ImportBatchFactory(project=project, created_by=None)
    session = SessionFactory(project=project, batch=batch)
    item = SessionItemFactory(project=project, session=session)
    review = ReviewFactory(
        assignment=AssignmentFactory(item=item, reviewer=reviewer),
        rubric=rubric,
        status=Review.Status.SUBMITTED,
    )
    ScoreFactory(review=review, criterion=empathy)
    # No job that can be retried: a retry would queue its task on the broker by name, outside
    # the test database, where a development worker could pick it up.
    job = JobFactory(project=project, started_by=lead, status=Job.Status.SUCCEEDED)
    JobFactory(project=project, started_by=None, status=Job.Status.RUNNING)
    token = api_token_create(user=lead)[1]
    return token, {
        "slug": project.slug,
        "job_id": job.pk,
        "batch_id": batch.pk,
        "session_id": session.pk,
        "item_id": item.pk,
        "version": rubric.version,
    }


def _schema_document() -> dict[str, Any]:
    """The schema exactly as /api/schema/ serves it, built when the tests are collected (each
    generated test is one operation, so the operations must be known by then)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


schema = schemathesis.openapi.from_dict(_schema_document())
# The objects of the current test's world, by path parameter name (filled by the fixture).
REAL: dict[str, Any] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters or not REAL:
        return st.just(path_parameters)
    known = dict(REAL)
    if context.operation.path.startswith("/api/rubrics/"):
        known["slug"] = REAL["rubric"]
    swapped = {name: known.get(name, value) for name, value in path_parameters.items()}
    return st.sampled_from([path_parameters, swapped])


@pytest.fixture
def lead_headers(live_server):
    token, real = _lead_world()
    REAL.clear()
    REAL.update(real, rubric="care")
    yield {"Authorization": f"Token {token}"}
    REAL.clear()


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_the_api_answers_every_generated_request_as_its_schema_says(
    case, live_server, lead_headers
) -> None:
    case.call_and_validate(base_url=live_server.url, headers=lead_headers, checks=CHECKS)
