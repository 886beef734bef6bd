"""The review API as a reviewer's script and a lead's dashboard would use it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent, Role
from core.tokens import api_token_create
from review.models import (
    Assignment,
    Item,
    PairwiseJudgment,
    Review,
    ReviewRevision,
    ReviewSettings,
)
from rubrics.models import Rubric
from tests.dialogues.factories import SessionFactory
from tests.factories import ProjectFactory, member
from tests.review.factories import (
    AssignmentFactory,
    PairItemFactory,
    ReviewSettingsFactory,
    SessionItemFactory,
)
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db

TURNS = [
    ("client", "I have not slept properly for weeks."),
    ("counselor", "Weeks is a long time. What keeps you awake?"),
    ("client", "Going over every mistake I made at work."),
]


@pytest.fixture
def setup():
    project = ProjectFactory(slug="ward")
    rubric = RubricFactory(slug="api-rubric", status=Rubric.Status.PUBLISHED)
    CriterionFactory(rubric=rubric, code="empathy", position=1)
    CriterionFactory(rubric=rubric, code="homework", position=2, allow_na=True)
    CriterionFactory(rubric=rubric, code="safety", position=3, rationale_required=True)
    ReviewSettingsFactory(project=project, rubric=rubric, overlap=2, guidelines="Be kind.")
    return {
        "project": project,
        "rubric": rubric,
        "ada": member(project, Role.REVIEWER, "ada"),
        "bo": member(project, Role.REVIEWER, "bo"),
        "lead": member(project, Role.LEAD, "lena"),
        "trainer": member(project, Role.TRAINER, "tim"),
    }


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)[1]}")
    return client


def url(name: str, project, item_id: int | None = None) -> str:
    kwargs: dict[str, object] = {"slug": project.slug}
    if item_id is not None:
        kwargs["item_id"] = item_id
    return reverse(name, kwargs=kwargs)


def complete(empathy=3, safety=4) -> dict:
    return {
        "scores": {
            "empathy": {"value": empathy, "evidence_turns": [1]},
            "homework": {"not_applicable": True},
            "safety": {"value": safety, "rationale": "Asked about sleep and mood."},
        },
        "comment": "Warm and focused.",
        "flags": [],
    }


def test_next_gives_the_conversation_in_order_the_rubric_and_no_draft(setup) -> None:
    project = setup["project"]
    item = SessionItemFactory(project=project, session=SessionFactory(project=project, turns=TURNS))
    client = token_client(setup["ada"])

    response = client.post(url("api_review_next", project))

    assert response.status_code == 200
    body = response.json()
    assert body["item"]["id"] == item.pk
    assert [turn["text"] for turn in body["turns"]] == [text for _speaker, text in TURNS]
    assert [turn["index"] for turn in body["turns"]] == [0, 1, 2]
    assert [c["code"] for c in body["rubric"]["criteria"]] == ["empathy", "homework", "safety"]
    assert body["guidelines"] == "Be kind."
    assert body["review"] is None
    assert body["assignment"]["status"] == "reserved"
    # Asking again hands back the same reservation instead of a second item.
    again = client.post(url("api_review_next", project)).json()
    assert again["item"]["id"] == item.pk
    assert Assignment.objects.filter(reviewer=setup["ada"]).count() == 1


def test_next_with_nothing_left_answers_no_content(setup) -> None:
    response = token_client(setup["ada"]).post(url("api_review_next", setup["project"]))
    assert response.status_code == 204


def test_draft_keeps_partial_work_and_submit_records_the_review(setup) -> None:
    project = setup["project"]
    item = SessionItemFactory(project=project)
    client = token_client(setup["ada"])
    client.post(url("api_review_next", project))

    draft = client.put(
        url("api_review_draft", project, item.pk),
        {"scores": {"empathy": {"value": 2, "rationale": "Half way."}}},
        format="json",
    )
    assert draft.status_code == 200
    assert draft.json()["review"]["status"] == "draft"
    shown = client.get(url("api_review_item", project, item.pk)).json()["review"]
    assert shown["scores"]["empathy"]["value"] == 2
    assert shown["scores"]["empathy"]["rationale"] == "Half way."

    incomplete = client.post(
        url("api_review_submit", project, item.pk),
        {"scores": {"empathy": {"value": 3}}},
        format="json",
    )
    assert incomplete.status_code == 400
    assert set(incomplete.json()["problems"]) == {"homework", "safety"}
    assert Review.objects.get(item=item).status == Review.Status.DRAFT

    submitted = client.post(url("api_review_submit", project, item.pk), complete(), format="json")

    assert submitted.status_code == 200, submitted.json()
    review = Review.objects.get(item=item)
    assert review.status == Review.Status.SUBMITTED
    assert review.total is not None
    assert {s.criterion.code: s.not_applicable for s in review.scores.all()}["homework"] is True
    assert Assignment.objects.get(item=item, reviewer=setup["ada"]).status == "submitted"
    assert AuditEvent.objects.filter(action="review.review.submit", object_id=str(review.pk))


def test_submitting_again_is_an_edit_that_needs_a_reason_and_keeps_the_earlier_version(
    setup,
) -> None:
    project = setup["project"]
    item = SessionItemFactory(project=project)
    client = token_client(setup["ada"])
    client.post(url("api_review_next", project))
    client.post(url("api_review_submit", project, item.pk), complete(empathy=1), format="json")

    no_reason = client.post(
        url("api_review_submit", project, item.pk), complete(empathy=4), format="json"
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["problems"]

    edited = client.post(
        url("api_review_submit", project, item.pk),
        {**complete(empathy=4), "reason": "Misread turn 2."},
        format="json",
    )

    assert edited.status_code == 200
    review = Review.objects.get(item=item)
    assert review.version == 2
    assert review.scores.get(criterion__code="empathy").value == Decimal(4)
    revision = ReviewRevision.objects.get(review=review)
    assert revision.reason == "Misread turn 2."
    assert revision.snapshot["scores"]["empathy"]["value"] == "1"


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"empathy": {"value": "plenty"}}, "scores.empathy.value"),
        ({"empathy": {"value": 9}}, "empathy"),
        ({"empathy": {"not_applicable": True}}, "empathy"),
        ({"nonsense": {"value": 1}}, "nonsense"),
        ({"empathy": {"value": 2, "evidence_turns": [40]}}, "empathy"),
    ],
)
def test_bad_scores_are_refused_naming_the_field_and_nothing_is_saved(setup, scores, field) -> None:
    project = setup["project"]
    item = SessionItemFactory(project=project)
    client = token_client(setup["ada"])
    client.post(url("api_review_next", project))

    response = client.put(
        url("api_review_draft", project, item.pk), {"scores": scores}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["problems"], response.json()
    assert not Review.objects.filter(item=item).exists()


@pytest.mark.parametrize("swapped", [False, True])
def test_pair_is_shown_in_the_recorded_order_and_stored_in_candidate_terms(setup, swapped) -> None:
    project = setup["project"]
    item = PairItemFactory(project=project)
    AssignmentFactory(item=item, reviewer=setup["ada"], swapped=swapped)
    client = token_client(setup["ada"])

    body = client.get(url("api_review_item", project, item.pk)).json()
    left = body["responses"][0]
    assert left["side"] == "left"
    assert left["text"] == (item.candidate_b.text if swapped else item.candidate_a.text)
    assert [turn["index"] for turn in body["turns"]] == [0]

    response = client.post(
        url("api_review_submit", project, item.pk),
        {"choice": "left", "strength": 2, "rationale": "Names the loss."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    judgment = PairwiseJudgment.objects.get(item=item)
    assert judgment.choice == ("b" if swapped else "a")
    assert judgment.status == PairwiseJudgment.Status.SUBMITTED
    # The reviewer's own view speaks of the side they chose, not of a / b.
    assert response.json()["judgment"]["choice"] == "left"


def test_pair_submission_without_a_choice_is_refused(setup) -> None:
    project = setup["project"]
    item = PairItemFactory(project=project)
    AssignmentFactory(item=item, reviewer=setup["ada"])

    response = token_client(setup["ada"]).post(
        url("api_review_submit", project, item.pk), {"rationale": "Unsure."}, format="json"
    )

    assert response.status_code == 400
    assert "choice" in response.json()["problems"]
    assert not PairwiseJudgment.objects.filter(status="submitted").exists()


def test_skip_needs_a_reason_and_frees_the_slot_for_someone_else(setup) -> None:
    project = setup["project"]
    ReviewSettings.objects.filter(project=project).update(overlap=1)
    item = SessionItemFactory(project=project)
    ada = token_client(setup["ada"])
    ada.post(url("api_review_next", project))
    bo = token_client(setup["bo"])
    assert bo.post(url("api_review_next", project)).status_code == 204

    empty = ada.post(url("api_review_skip", project, item.pk), {"reason": " "}, format="json")
    assert empty.status_code == 400
    assert "reason" in empty.json()["problems"]

    skipped = ada.post(
        url("api_review_skip", project, item.pk), {"reason": "I know this client."}, format="json"
    )

    assert skipped.status_code == 204
    assert Assignment.objects.get(reviewer=setup["ada"]).skip_reason == "I know this client."
    assert bo.post(url("api_review_next", project)).json()["item"]["id"] == item.pk
    # Skipped work cannot be saved any more.
    late = ada.put(url("api_review_draft", project, item.pk), {}, format="json")
    assert late.status_code == 409


def test_a_reviewer_reaches_only_their_own_slots(setup) -> None:
    project = setup["project"]
    item = SessionItemFactory(project=project)
    AssignmentFactory(item=item, reviewer=setup["ada"])
    bo = token_client(setup["bo"])

    assert bo.get(url("api_review_item", project, item.pk)).status_code == 404
    assert bo.get(url("api_review_item_reviews", project, item.pk)).status_code == 404
    submit = bo.post(url("api_review_submit", project, item.pk), complete(), format="json")
    assert submit.status_code == 404
    skip = bo.post(url("api_review_skip", project, item.pk), {"reason": "x"}, format="json")
    assert skip.status_code == 404
    assert not Review.objects.exists()


@pytest.mark.parametrize("role", ["lead", "trainer"])
def test_only_reviewers_submit_or_skip(setup, role) -> None:
    project = setup["project"]
    item = SessionItemFactory(project=project)
    AssignmentFactory(item=item, reviewer=setup["ada"])
    client = token_client(setup[role])

    assert (
        client.post(
            url("api_review_submit", project, item.pk), complete(), format="json"
        ).status_code
        == 403
    )
    skip = client.post(url("api_review_skip", project, item.pk), {"reason": "x"}, format="json")
    assert skip.status_code == 403
    assert Assignment.objects.get(item=item).status == Assignment.Status.RESERVED


def test_lead_status_counts_progress_and_worst_disagreement_first(setup) -> None:
    project = setup["project"]
    mild = SessionItemFactory(project=project, position=1)
    wide = SessionItemFactory(project=project, position=2)
    calm = SessionItemFactory(project=project, position=3)
    SessionItemFactory(project=project, position=4)
    plan = {
        "ada": {mild.pk: 1, wide.pk: 0, calm.pk: 2},
        "bo": {mild.pk: 3, wide.pk: 4, calm.pk: 2},
    }
    for name, values in plan.items():
        client = token_client(setup[name])
        for item_id, empathy in values.items():
            AssignmentFactory(item_id=item_id, reviewer=setup[name])
            response = client.post(
                url("api_review_submit", project, item_id), complete(empathy=empathy), format="json"
            )
            assert response.status_code == 200

    response = token_client(setup["lead"]).get(url("api_review_status", project))

    assert response.status_code == 200
    body = response.json()
    counts = {row["status"]: row["count"] for row in body["by_status"]}
    assert counts["needs_adjudication"] == 2
    assert counts["reviewed"] == 1
    assert counts["pending"] == 1
    assert body["items"] == 4
    assert body["submitted"] == 6
    assert {row["reviewer"]: row["submitted"] for row in body["reviewers"]} == {"ada": 3, "bo": 3}
    needs = body["needs_adjudication"]
    assert [need["id"] for need in needs] == [wide.pk, mild.pk]
    assert needs[0]["spread"] == 4
    assert needs[0]["criteria"] == ["empathy"]
    assert Item.objects.get(pk=calm.pk).status == Item.Status.REVIEWED


def test_status_is_for_leads_only(setup) -> None:
    for role in ("ada", "trainer"):
        response = token_client(setup[role]).get(url("api_review_status", setup["project"]))
        assert response.status_code == 403


def test_schema_describes_the_review_endpoints(setup) -> None:
    client = APIClient()
    client.force_authenticate(setup["lead"])

    schema = client.get(reverse("api_schema"), {"format": "json"}).json()

    paths = schema["paths"]
    assert "post" in paths["/api/projects/{slug}/review/next/"]
    assert "put" in paths["/api/projects/{slug}/review/items/{item_id}/draft/"]
    assert "get" in paths["/api/projects/{slug}/review/status/"]


@pytest.mark.parametrize("turns", [4, 80])
def test_an_item_reads_in_a_bounded_number_of_queries_whatever_its_length(
    setup, turns, django_assert_max_num_queries
) -> None:
    project = setup["project"]
    rows = [("client" if n % 2 == 0 else "counselor", f"Turn {n}.") for n in range(turns)]
    item = SessionItemFactory(project=project, session=SessionFactory(project=project, turns=rows))
    AssignmentFactory(item=item, reviewer=setup["ada"])
    client = APIClient()
    client.force_authenticate(setup["ada"])

    with django_assert_max_num_queries(16):
        response = client.get(url("api_review_item", project, item.pk))

    assert len(response.json()["turns"]) == turns
