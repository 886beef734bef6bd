"""project_agreement with judges: alignment from judge runs and from imported source ratings."""

from __future__ import annotations

import pytest

from core.models import AuditEvent, Membership, Role
from review.models import Item, JudgeConfig, PairwiseJudgment
from review.services.agreement import project_agreement
from review.services.agreement_cache import agreement_cached, agreement_refresh
from review.services.assignment import assignment_next
from review.services.item_status import item_status_refresh
from review.services.send_back import item_send_back
from tests.factories import ProjectFactory, UserFactory
from tests.review.agreement_fixtures import reviewed_item
from tests.review.agreement_judges import (
    judge_pair_choices,
    judge_scores,
    pairs_two_reviewers_chose_a,
    source_ratings,
)
from tests.review.factories import (
    AssignmentFactory,
    PairItemFactory,
    PairwiseJudgmentFactory,
    ReviewSettingsFactory,
)
from tests.review.judge_fixtures import principles_rubric, scoring_rubric

pytestmark = pytest.mark.django_db

HUMANS = [(3, 3), (1, 2), (4, 4), (0, 1), (2, 2), (3, 4), (1, 1), (4, 3)]


def scored_project():
    project = ProjectFactory(slug="clinic")
    rubric = scoring_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric, pair_rubric=principles_rubric())
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    items = [
        reviewed_item(
            project,
            rubric,
            {ana: {"warmth": a, "structure": a}, ben: {"warmth": b, "structure": b}},
        )
        for a, b in HUMANS
    ]
    return project, rubric, items


def lenient_judge(project, rubric, items, *, name="lenient"):
    config = JudgeConfig.objects.create(
        project=project,
        name=name,
        base_url="http://127.0.0.1:9/v1",
        model="m",
        api_key_name="",
        rubric=rubric,
    )
    # One point above the first reviewer, capped at the scale's top.
    judge_scores(
        config,
        {
            item: {"warmth": min(a + 1, 4), "structure": a}
            for item, (a, _b) in zip(items, HUMANS, strict=True)
        },
    )
    return config


def test_an_llm_judge_is_aligned_per_criterion_with_and_without_it():
    project, rubric, items = scored_project()
    lenient_judge(project, rubric, items)

    report = project_agreement(project=project, n_boot=50)

    (judge,) = report["judges"]
    rows = {row["code"]: row for row in judge["criteria"]}
    warmth, structure = rows["warmth"], rows["structure"]
    assert judge["kind"] == "llm"
    assert warmth["n_items"] == 8
    expected_bias = sum(min(a + 1, 4) - (a + b) / 2 for a, b in HUMANS) / 8
    assert warmth["bias"] == pytest.approx(expected_bias)
    assert warmth["bias"] > structure["bias"]
    assert warmth["humans"]["alpha"] == structure["humans"]["alpha"]
    # Adding a lenient rater lowers agreement; adding one who copies a reviewer raises it.
    assert warmth["with_judge"]["alpha"] < warmth["humans"]["alpha"]
    assert structure["with_judge"]["alpha"] > structure["humans"]["alpha"]
    assert sum(map(sum, warmth["confusion"]["counts"])) == 8
    assert judge["disagreements"][0]["criterion"] == "warmth"


def test_answers_from_an_earlier_model_are_not_this_judges_view():
    project, rubric, items = scored_project()
    config = lenient_judge(project, rubric, items)
    config.model = "another-model"
    config.save()

    assert project_agreement(project=project, n_boot=0)["judges"] == []


def test_imported_source_ratings_count_as_a_judge_with_their_provenance():
    project = ProjectFactory(slug="pairs")
    ReviewSettingsFactory(project=project, pair_rubric=principles_rubric())
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    verdicts = [
        ("a", "a", {"Empathy": 5, "Safety": 4}, {"Empathy": 2, "Safety": 4}),
        ("b", "b", {"Empathy": 2, "Safety": 3}, {"Empathy": 4, "Safety": 3}),
        ("a", "b", {"Empathy": 4, "Safety": 4}, {"Empathy": 4, "Safety": 4}),
    ]
    for first, second, a, b in verdicts:
        item = PairItemFactory(project=project)
        for reviewer, choice in ((ana, first), (ben, second)):
            PairwiseJudgmentFactory(
                assignment=AssignmentFactory(item=item, reviewer=reviewer),
                choice=choice,
                principle_choices={"empathy": choice},
                status=PairwiseJudgment.Status.SUBMITTED,
            )
        source_ratings(item, "gpt-4o (PsychoCounsel-Preference)", a, b)

    report = project_agreement(project=project, n_boot=0)

    (judge,) = report["judges"]
    assert judge["kind"] == "imported"
    assert judge["provenance"] == "gpt-4o (PsychoCounsel-Preference)"
    # Two items have a majority (a, b); the ratings prefer a and b there.
    assert judge["pairwise"]["n_items"] == 2
    assert judge["pairwise"]["agreement"] == 1.0
    assert [row["code"] for row in judge["principles"]] == ["empathy"]
    assert report["pairwise"]["choice"]["agreement"] == pytest.approx(2 / 3)


def test_a_pairwise_judge_reports_position_consistency():
    items, config = pairs_two_reviewers_chose_a(4)
    project = config.project
    # Consistent on two pairs; on the others it always picks whatever is shown first.
    judge_pair_choices(
        config,
        {items[0]: ("a", "a"), items[1]: ("a", "a"), items[2]: ("a", "b"), items[3]: ("a", "b")},
    )

    (judge,) = project_agreement(project=project, n_boot=0)["judges"]

    assert judge["position"] == {
        "n_items": 4,
        "n_consistent": 2,
        "consistency": 0.5,
        "first_slot": 2,
        "second_slot": 0,
    }
    # Inconsistent pairs count as ties (MT-bench); the two consistent ones agree.
    assert judge["pairwise"]["agreement"] == 0.5
    assert judge["pairwise"]["agreement_without_ties"] == 1.0


def test_reports_are_cached_until_the_ratings_change():
    project, rubric, items = scored_project()
    assert agreement_cached(project=project, rubric=rubric, since=None, until=None) is None
    agreement_refresh(project=project, rubric=rubric)
    assert agreement_cached(project=project, rubric=rubric, since=None, until=None) is not None

    lenient_judge(project, rubric, items)

    assert agreement_cached(project=project, rubric=rubric, since=None, until=None) is None


def test_sending_an_item_back_adds_a_slot_and_is_audited():
    _project, _rubric, items = scored_project()
    item = item_status_refresh(item=items[1])
    assert item.status == Item.Status.REVIEWED
    lead = UserFactory(username="lead")

    item_send_back(item=item, actor=lead, reason="The judge and reviewers are far apart")

    item.refresh_from_db()
    assert (item.status, item.extra_slots) == (Item.Status.IN_REVIEW, 1)
    event = AuditEvent.objects.get(action="review.item.sent_back")
    assert event.reason == "The judge and reviewers are far apart"
    with pytest.raises(ValueError, match="reason"):
        item_send_back(item=item, actor=lead, reason=" ")


def test_an_item_sent_back_is_offered_to_a_third_reviewer():
    project, _rubric, items = scored_project()
    third = UserFactory(username="cai")
    Membership.objects.create(project=project, user=third, role=Role.REVIEWER)
    for item in items:
        item_status_refresh(item=item)
    assert assignment_next(project=project, reviewer=third) is None

    item_send_back(item=items[3], actor=None, reason="Another look at warmth")
    slot = assignment_next(project=project, reviewer=third)

    assert slot is not None
    assert slot.item == items[3]
