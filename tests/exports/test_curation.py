"""Curation from the database: which approved items an export takes, and as what."""

import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections

from dialogues.models import Flag
from exports.models import ExportSpecification
from exports.services.agreement import ExportRefused, agreement_check, specification_agreement
from exports.services.curation import curated_items
from exports.services.curation_pairs import pair_choice, pair_verdict
from exports.services.curation_rules import CurationRules, CurationStats
from review.models import Adjudication, Item, Rewrite
from tests.dialogues.factories import CandidateFactory, FlagFactory
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_pair,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def project(db):
    return ProjectFactory(slug="clinic")


def _curate(specification: ExportSpecification):
    stats = CurationStats()
    items = list(curated_items(rules=CurationRules.of(specification), stats=stats, salt="s"))
    return items, stats


def test_only_approved_unflagged_items_are_exported(project):
    rubric = published_rubric()
    people = reviewers()
    scores = {"empathy": [3, 4], "structure": [2, 2]}
    kept = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    approved_session(
        project=project, rubric=rubric, people=people, scores=scores, status=Item.Status.REVIEWED
    )
    flagged = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    FlagFactory(session=flagged.session, kind=Flag.Kind.PII)
    cleared = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    FlagFactory(session=cleared.session, kind=Flag.Kind.CRISIS, status=Flag.Status.CLEARED)
    gold = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    Item.objects.filter(pk=gold.pk).update(is_gold=True)
    specification = ExportSpecificationFactory(projects=[project])

    items, stats = _curate(specification)

    assert [i.item_id for i in items] == [f"item-{kept.pk}", f"item-{cleared.pk}"]
    assert stats.left_out["open crisis or PII flag"] == 1
    assert items[0].scores == {"empathy": 3.5, "structure": 2.0}
    assert [t.speaker for t in items[0].turns] == ["client", "counselor", "client", "counselor"]


def test_reviewers_appear_only_as_pseudonyms(project):
    rubric = published_rubric()
    people = reviewers()
    approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [3, 3], "structure": [1, 2]},
    )

    items, _stats = _curate(ExportSpecificationFactory(projects=[project]))

    names = {str(p.pk) for p in people} | {p.username for p in people}
    assert len(items[0].reviewers) == 2
    assert all(r.startswith("r-") and r not in names for r in items[0].reviewers)


def test_score_rules_use_the_adjudicated_scores_where_they_exist(project):
    rubric = published_rubric()
    people = reviewers()
    low = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [1, 2], "structure": [3, 3]},
    )
    rescued = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [0, 4], "structure": [3, 3]},
    )
    Adjudication.objects.create(
        item=rescued, rubric=rubric, scores={"empathy": 3, "structure": 3}, reason="Rater 1 misread"
    )
    high = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [3, 4], "structure": [3, 3]},
    )
    specification = ExportSpecificationFactory(projects=[project], min_scores={"empathy": "3"})

    items, stats = _curate(specification)

    assert [i.item_id for i in items] == [f"item-{rescued.pk}", f"item-{high.pk}"]
    assert items[0].scores["empathy"] == 3.0
    assert stats.left_out == {"empathy below 3": 1}
    assert f"item {low.pk}: empathy = 1.5" in stats.examples


def test_minimum_total_and_minimum_reviewers(project):
    rubric = published_rubric()
    two, one = reviewers(2), reviewers(1)
    enough = approved_session(
        project=project, rubric=rubric, people=two, scores={"empathy": [4, 4], "structure": [3, 3]}
    )
    approved_session(
        project=project, rubric=rubric, people=two, scores={"empathy": [1, 1], "structure": [1, 1]}
    )
    approved_session(
        project=project, rubric=rubric, people=one, scores={"empathy": [4], "structure": [4]}
    )
    specification = ExportSpecificationFactory(
        projects=[project], min_total=Decimal(6), min_reviewers=2
    )

    items, stats = _curate(specification)

    assert [i.item_id for i in items] == [f"item-{enough.pk}"]
    assert stats.left_out == {"too few reviewers": 1, "total below 6": 1}


def test_language_and_source_rules(project):
    rubric = published_rubric()
    people = reviewers()
    scores = {"empathy": [3, 3], "structure": [3, 3]}
    chinese = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores=scores,
        language="zh",
        source_format="cpsycoun",
    )
    approved_session(project=project, rubric=rubric, people=people, scores=scores, language="en")
    specification = ExportSpecificationFactory(
        projects=[project], languages=["zh"], source_formats=["cpsycoun"]
    )

    items, _stats = _curate(specification)

    assert [(i.item_id, i.language, i.source) for i in items] == [
        (f"item-{chinese.pk}", "zh", "cpsycoun")
    ]


def test_intake_system_prompt_and_persona_come_from_session_metadata(project):
    rubric = published_rubric()
    metadata = {
        "intake_form": "Name: withheld. Age 24. Presenting problem: exam anxiety.",
        "cbt_plan": "Identify the catastrophising thought, then test it.",
        "thought": "I will fail everything.",
    }
    approved_session(
        project=project,
        rubric=rubric,
        people=reviewers(),
        scores={"empathy": [3, 3], "structure": [3, 3]},
        metadata=metadata,
    )
    specification = ExportSpecificationFactory(projects=[project], system_prompt_mode="intake")

    items, _stats = _curate(specification)

    assert "exam anxiety" in items[0].system_prompt
    assert "catastrophising" in items[0].system_prompt
    assert items[0].persona == "I will fail everything."


def test_agreement_below_the_bar_refuses_naming_criterion_alpha_and_bar(project):
    rubric = published_rubric()
    people = reviewers()
    # Reviewers disagree on empathy item after item: alpha far below 0.667.
    for first, second in [(0, 4), (4, 0), (1, 3), (3, 1), (2, 4)]:
        approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [first, second], "structure": [first, first]},
        )
    agreement = specification_agreement(
        projects=[project], bars={"empathy": 0.667, "structure": 0.667}
    )

    with pytest.raises(ExportRefused) as refusal:
        agreement_check(agreement=agreement)

    message = str(refusal.value)
    empathy = next(a for a in agreement if a.code == "empathy")
    assert f"empathy: alpha {empathy.alpha:.3f} in clinic is below the bar of 0.67" in message
    assert empathy.alpha < 0
    assert "structure" not in message


@pytest.mark.parametrize(
    ("votes", "policy", "expected"),
    [
        (["a", "a", "b"], "drop", "a"),
        (["a", "b"], "drop", "veto"),
        (["a", "tie", "tie"], "drop", "veto"),
        (["a", "tie", "tie"], "skip", "a"),
        (["a", "both_bad"], "skip", "veto"),
        (["both_bad", "both_bad", "a"], "skip", "veto"),
        (["a", "b", "tie"], "skip", "veto"),
        (["tie", "tie"], "skip", None),
        ([], "drop", None),
    ],
)
def test_pair_verdict_by_majority_with_tie_policy(votes, policy, expected):
    assert pair_verdict(votes=votes, adjudicated="", tie_policy=policy) == expected


def test_pair_verdict_follows_the_adjudication():
    assert pair_verdict(votes=["a", "a"], adjudicated="b", tie_policy="drop") == "b"
    assert pair_verdict(votes=["a", "a"], adjudicated="tie", tie_policy="skip") == "veto"
    assert pair_verdict(votes=["a", "a"], adjudicated="both_bad", tie_policy="drop") == "veto"
    assert pair_choice(votes=["a", "a"], adjudicated="both_bad", tie_policy="drop") is None


def test_dpo_pairs_from_choices_and_rewrites(project):
    people = reviewers(3)
    majority_b = approved_pair(project=project, people=people, choices=["b", "b", "a"])
    approved_pair(project=project, people=people[:2], choices=["a", "b"])
    approved_pair(
        project=project, people=people, choices=["a", "a", "a"], status=Item.Status.REVIEWED
    )
    rubric = published_rubric()
    session_item = approved_session(
        project=project,
        rubric=rubric,
        people=people[:2],
        scores={"empathy": [3, 3], "structure": [3, 3]},
    )
    session = session_item.session
    original = CandidateFactory(
        session=session, turn_index=1, origin="original", text="Just relax."
    )
    better = CandidateFactory(
        session=session, turn_index=1, origin="rewrite", text="What runs through your mind then?"
    )
    rewrite = Rewrite.objects.create(
        item=session_item,
        reviewer=people[0],
        turn_index=1,
        original=original,
        rewrite=better,
        rationale="Explores the thought",
    )
    specification = ExportSpecificationFactory(projects=[project], kind="dpo")

    items, stats = _curate(specification)

    assert [i.item_id for i in items] == [f"pair-{majority_b.pk}", f"rewrite-{rewrite.pk}"]
    pair = items[0]
    assert pair.chosen == majority_b.candidate_b.text
    assert pair.rejected == majority_b.candidate_a.text
    assert pair.agreement == pytest.approx(2 / 3)
    assert items[1].chosen == "What runs through your mind then?"
    assert items[1].rejected == "Just relax."
    assert [t.speaker for t in items[1].prompt] == ["client"]
    assert stats.left_out["no clear preference"] == 1


def _prefer_b(item):
    from dialogues.models import SourcePreference

    SourcePreference.objects.create(
        session=item.session,
        chosen=item.candidate_b,
        rejected=item.candidate_a,
        provenance="psychocounsel",
    )


def _rate(item, score_a, score_b):
    from dialogues.models import SourceRating

    for candidate, score in ((item.candidate_a, score_a), (item.candidate_b, score_b)):
        SourceRating.objects.create(
            session=item.session,
            candidate=candidate,
            criterion="empathy",
            score=score,
            rater="gpt-4o",
        )


def test_imported_preferences_and_margins_fill_in_only_where_no_vote_counted(project):
    people = reviewers(2)
    # Under "skip", two tie votes leave no counted vote: the imported preference decides.
    all_ties = approved_pair(project=project, people=people, choices=["tie", "tie"])
    _prefer_b(all_ties)
    unreviewed = approved_pair(
        project=project, people=people, choices=["a", "a"], status=Item.Status.IN_REVIEW
    )
    _prefer_b(unreviewed)
    rated = approved_pair(project=project, people=people, choices=["tie", "tie"])
    _rate(rated, 4.5, 2.0)
    at_threshold = approved_pair(project=project, people=people, choices=["tie", "tie"])
    _rate(at_threshold, 4.0, 2.0)
    specification = ExportSpecificationFactory(
        projects=[project],
        kind="dpo",
        dpo_sources=["imported", "margins"],
        margin_threshold=Decimal(2),
        tie_policy="skip",
    )

    items, stats = _curate(specification)

    # A margin of exactly 2 is not above the threshold of 2.
    assert [i.item_id for i in items] == [f"pair-{all_ties.pk}", f"pair-{rated.pk}"]
    assert items[0].chosen == all_ties.candidate_b.text
    assert items[1].chosen == rated.candidate_a.text
    assert stats.sources == {"imported": 1, "margins": 1}

    specification.margin_threshold = Decimal(3)
    specification.save()
    items, _stats = _curate(specification)
    assert [i.item_id for i in items] == [f"pair-{all_ties.pk}"]


def test_both_bad_or_tie_verdicts_veto_imported_preferences_and_margins(project):
    people = reviewers(2)
    both_bad = approved_pair(project=project, people=people, choices=["both_bad", "both_bad"])
    _prefer_b(both_bad)
    _rate(both_bad, 1.0, 5.0)
    ties = approved_pair(project=project, people=people, choices=["tie", "tie"])
    _prefer_b(ties)
    adjudicated = approved_pair(project=project, people=people, choices=["a", "b"])
    _prefer_b(adjudicated)
    _rate(adjudicated, 1.0, 5.0)
    Adjudication.objects.create(item=adjudicated, choice="both_bad", reason="Both dismissive")
    split = approved_pair(project=project, people=people, choices=["a", "both_bad"])
    _rate(split, 1.0, 5.0)
    specification = ExportSpecificationFactory(
        projects=[project],
        kind="dpo",
        dpo_sources=["pairwise", "imported", "margins"],
        margin_threshold=Decimal(1),
        tie_policy="drop",
    )

    items, stats = _curate(specification)

    assert items == []
    assert stats.left_out["no clear preference"] == 4


@pytest.mark.django_db(transaction=True)
def test_reading_the_next_chunk_in_a_thread_gives_the_same_items(monkeypatch):
    from django.db import transaction

    from exports.services import curation, curation_pairs

    project = ProjectFactory(slug="threads")
    rubric = published_rubric()
    people = reviewers()
    for n in range(7):
        approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [n % 5, 2], "structure": [3, 3]},
        )
    approved_pair(project=project, people=people, choices=["a", "a"])
    monkeypatch.setattr(curation, "CHUNK", 3)
    monkeypatch.setattr(curation_pairs, "CHUNK", 3)
    reads = []
    read_chunk = curation.read_chunk

    def spy(ids):
        reads.append((threading.current_thread().name, connections["default"]))
        return read_chunk(ids)

    monkeypatch.setattr(curation, "read_chunk", spy)
    monkeypatch.setattr(curation_pairs, "read_chunk", spy)

    def run(kind):
        specification = ExportSpecificationFactory(projects=[project], kind=kind)
        return _curate(specification)[0]

    threaded = run("sft") + run("dpo")
    in_threads = [wrapper for name, wrapper in reads if name.startswith("export-read")]
    assert len(in_threads) == len(reads) == 4  # three chunks of sessions, one of pairs
    # The sessions' three chunks share one connection, closed once reading ended.
    assert len({id(wrapper) for wrapper in in_threads[:3]}) == 1
    assert all(wrapper.connection is None for wrapper in in_threads)
    with transaction.atomic():
        in_turn = run("sft") + run("dpo")
    assert len(reads) == 8
    assert all(name == "MainThread" for name, _ in reads[4:])
    assert threaded == in_turn
    assert len(threaded) == 8


def test_minimum_total_takes_the_median_of_review_totals_between_scale_steps(project):
    rubric = published_rubric()
    # empathy 3 and 4: the median 3.5 is no step of the scale, so the rubric cannot total it;
    # the reviews' totals are 6 and 7, whose median 6.5 clears the bar, as approval counts it.
    between = approved_session(
        project=project,
        rubric=rubric,
        people=reviewers(),
        scores={"empathy": [3, 4], "structure": [3, 3]},
    )
    specification = ExportSpecificationFactory(projects=[project], min_total=Decimal("6.5"))

    items, stats = _curate(specification)

    assert [i.item_id for i in items] == [f"item-{between.pk}"]
    assert stats.left_out == {}

    specification.min_total = Decimal("6.6")
    specification.save()
    items, stats = _curate(specification)
    assert items == []
    assert f"item {between.pk}: total = 6.5" in stats.examples


def test_crisis_or_pii_flags_raised_by_reviewers_exclude_the_session(project):
    from review.models import Review

    rubric = published_rubric()
    people = reviewers()
    scores = {"empathy": [3, 3], "structure": [3, 3]}
    kept = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    crisis = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    Review.objects.filter(item=crisis, reviewer=people[1]).update(flags=["crisis"])
    off_topic = approved_session(project=project, rubric=rubric, people=people, scores=scores)
    Review.objects.filter(item=off_topic, reviewer=people[0]).update(flags=["off_topic"])
    # A pair item on a session a reviewer flagged for PII (through its session item) goes too.
    pair = approved_pair(project=project, people=people, choices=["a", "a"])
    flagged_session_item = approved_session(
        project=project, rubric=rubric, people=people, scores=scores
    )
    Item.objects.filter(pk=flagged_session_item.pk).update(session=pair.session)
    Review.objects.filter(item=flagged_session_item, reviewer=people[0]).update(flags=["pii"])

    items, stats = _curate(ExportSpecificationFactory(projects=[project]))
    pairs, pair_stats = _curate(
        ExportSpecificationFactory(projects=[project], kind="dpo", dpo_sources=["pairwise"])
    )

    assert [i.item_id for i in items] == [f"item-{kept.pk}", f"item-{off_topic.pk}"]
    reason = "crisis or PII flag raised by a reviewer (reviewer flags cannot be cleared)"
    assert stats.left_out == {reason: 2}
    assert pairs == []
    assert pair_stats.left_out == {reason: 1}


def test_session_rows_record_the_share_of_criteria_reviewers_agreed_on(project):
    rubric = published_rubric()
    people = reviewers(3)
    split = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [3, 3, 3], "structure": [2, 3, 3]},
    )
    agreed = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [4, 4, 4], "structure": [3, 3, 3]},
    )
    single = approved_session(
        project=project, rubric=rubric, people=people[:1], scores={"empathy": [4], "structure": [3]}
    )

    items, _stats = _curate(ExportSpecificationFactory(projects=[project]))

    agreement = {i.item_id: i.agreement for i in items}
    assert agreement == {
        f"item-{split.pk}": 0.5,
        f"item-{agreed.pk}": 1.0,
        f"item-{single.pk}": None,
    }


def test_pairs_record_the_pair_rubric_and_rewrites_the_session_agreement(project):
    from review.models import ReviewSettings

    principles = published_rubric(codes=("validation", "safety"))
    ReviewSettings.objects.update_or_create(project=project, defaults={"pair_rubric": principles})
    people = reviewers(2)
    approved_pair(project=project, people=people, choices=["a", "a"])
    rubric = published_rubric()
    session_item = approved_session(
        project=project,
        rubric=rubric,
        people=people,
        scores={"empathy": [3, 3], "structure": [2, 3]},
    )
    original = CandidateFactory(session=session_item.session, turn_index=1, text="Calm down.")
    better = CandidateFactory(
        session=session_item.session, turn_index=1, origin="rewrite", text="That sounds hard."
    )
    Rewrite.objects.create(
        item=session_item, reviewer=people[0], turn_index=1, original=original, rewrite=better
    )

    items, _stats = _curate(
        ExportSpecificationFactory(
            projects=[project], kind="dpo", dpo_sources=["pairwise", "rewrites"]
        )
    )

    assert [i.item_id.split("-")[0] for i in items] == ["pair", "rewrite"]
    assert items[0].rubric_version == str(principles)
    assert items[0].agreement == 1.0
    assert items[1].rubric_version == str(rubric)
    assert items[1].agreement == 0.5


def test_score_rules_are_refused_for_pairs_from_pair_items(project):
    from exports.services.building import export_build

    specification = ExportSpecificationFactory(
        projects=[project], kind="dpo", dpo_sources=["pairwise"], min_scores={"empathy": "3"}
    )

    with pytest.raises(ExportRefused, match="apply to scored sessions only"):
        export_build(specification=specification, folder=Path("/nonexistent"), built_at=NOW)

    rewrites_only = ExportSpecificationFactory(
        projects=[project], kind="dpo", dpo_sources=["rewrites"], min_total=Decimal(5)
    )
    assert CurationRules.of(rewrites_only).min_total == Decimal(5)
    assert _curate(rewrites_only)[0] == []


def test_rows_fetched_whole_are_the_rows_django_gives(project):
    from dialogues.models import Session
    from exports.services import curation_reading as curation
    from review.models import Score

    item = approved_session(
        project=project,
        rubric=published_rubric(),
        people=reviewers(),
        scores={"empathy": [2.5, None], "structure": [3, 3]},
        metadata={"thought": "我总是失败", "intake_form": {"age": 31}},
    )
    sessions = curation._among(Session.objects.all(), "id", [item.session_id])
    scores = Score.objects.filter(review__item=item).order_by("pk")
    score_fields = ("review_id", "criterion__code", "value", "not_applicable")

    # JSON decoded, decimals as Decimals and booleans as booleans, on SQLite and PostgreSQL.
    fetched = curation._fetch(scores, *score_fields)
    assert fetched == list(scores.values_list(*score_fields))
    assert {type(value) for _, _, value, _ in fetched} == {Decimal, type(None)}
    assert {type(flag) for *_, flag in fetched} == {bool}
    [session] = curation._fetch(sessions, *curation.SESSION_FIELDS)
    assert session == next(iter(sessions.values_list(*curation.SESSION_FIELDS)))
    assert session[-1] == {"thought": "我总是失败", "intake_form": {"age": 31}}
    assert curation._fetch(Session.objects.filter(pk__in=[]), "pk") == []


def test_a_chunk_is_read_in_five_round_trips_whatever_its_size(project, django_assert_num_queries):
    """Items with their sessions, turns, reviews, scores, adjudications: a large export's
    reading thread waits for each of these round trips, fifty chunks over."""
    from exports.services import curation_reading

    rubric = published_rubric()
    people = reviewers()
    items = [
        approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [n % 5, 2], "structure": [3, 3]},
            metadata={"thought": f"想法 {n}"},
        )
        for n in range(4)
    ]
    with django_assert_num_queries(5):
        chunk = curation_reading.read_chunk([item.pk for item in items])
    assert sorted(chunk.sessions) == sorted(item.session_id for item in items)
    assert chunk.sessions[items[2].session_id]["metadata"] == {"thought": "想法 2"}
    assert chunk.items[items[1].pk]["session_id"] == items[1].session_id
