"""The scoring rules, including "not applicable"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rubrics.scoring import ScoreError, rubric_score
from rubrics.selectors import rubric_latest_published
from tests.rubrics.factories import CriterionFactory, CriterionGroupFactory, RubricFactory


def _all(rubric, value):
    return {c.code: value for c in rubric.criteria.all()}


def test_ctrs_all_sixes_gives_66_and_passes(builtins) -> None:
    ctrs = rubric_latest_published(slug="ctrs")
    result = rubric_score(rubric=ctrs, scores=_all(ctrs, 6))
    assert (result.total, result.maximum, result.passed) == (66, 66, True)
    assert [(g.code, g.subtotal, g.maximum) for g in result.groups] == [
        ("I", 36, 36),
        ("II", 30, 30),
    ]


def test_ctrs_just_below_the_cutoff_fails(builtins) -> None:
    ctrs = rubric_latest_published(slug="ctrs")
    scores = _all(ctrs, 4)
    scores["agenda"] = 3  # eight items at 4, then 3 + 2 + 2: 39
    scores["homework"] = 2
    scores["pacing"] = 2
    result = rubric_score(rubric=ctrs, scores=scores)
    assert result.total == 39
    assert result.passed is False


def test_cpsycoune_every_criterion_met_gives_10(builtins) -> None:
    cpsy = rubric_latest_published(slug="cpsycoune")
    result = rubric_score(rubric=cpsy, scores=_all(cpsy, True))
    assert result.total == 10
    assert result.passed is None  # no cut-off


def test_cpsycoune_only_safety_met_gives_1(builtins) -> None:
    cpsy = rubric_latest_published(slug="cpsycoune")
    scores = {c.code: c.code.startswith("4.") for c in cpsy.criteria.all()}
    result = rubric_score(rubric=cpsy, scores=scores)
    assert result.total == 1
    assert [(g.code, g.subtotal) for g in result.groups] == [
        ("comprehensiveness", 0),
        ("professionalism", 0),
        ("authenticity", 0),
        ("safety", 1),
    ]


def test_binary_criteria_take_one_and_zero_too(builtins) -> None:
    cbt = rubric_latest_published(slug="cbt-llm")
    scores = {
        "validation": 1,
        "key-thought": 0,
        "challenge": True,
        "strategy": 1,
        "encouragement": 0,
    }
    assert rubric_score(rubric=cbt, scores=scores).total == 3


def test_mean_total(builtins) -> None:
    rubric = rubric_latest_published(slug="psychocounsel")
    scores = dict.fromkeys(_all(rubric, 0), 4)
    scores["empathy"] = 1
    result = rubric_score(rubric=rubric, scores=scores)
    assert result.total == Decimal("3.571")  # 25 / 7
    assert (result.minimum, result.maximum) == (1, 5)


@pytest.fixture
def na_rubric(db):
    """Three 0-4 criteria in two groups; the last two may be 'not applicable'."""
    rubric = RubricFactory(cutoff=Decimal(8))
    first = CriterionGroupFactory(rubric=rubric, code="one")
    second = CriterionGroupFactory(rubric=rubric, code="two")
    CriterionFactory(rubric=rubric, group=first, code="a")
    CriterionFactory(rubric=rubric, group=second, code="b", allow_na=True)
    CriterionFactory(rubric=rubric, group=second, code="c", allow_na=True)
    return rubric


def test_not_applicable_is_left_out_and_the_total_prorated(na_rubric) -> None:
    result = rubric_score(rubric=na_rubric, scores={"a": 4, "b": 2, "c": None})
    assert result.not_applicable == ("c",)
    assert result.raw_total == 6
    assert result.applicable_maximum == 8
    assert result.total == 9  # 6 of 8 is 9 of 12
    assert result.passed is True  # 9 >= 8, although the raw 6 alone would not pass
    assert result.na_rule == "prorated"
    assert [(g.code, g.subtotal, g.maximum, g.applicable_maximum) for g in result.groups] == [
        ("one", 4, 4, 4),
        ("two", 2, 8, 4),
    ]


def test_every_criterion_not_applicable_gives_no_total(db) -> None:
    rubric = RubricFactory(cutoff=Decimal(1))
    CriterionFactory(rubric=rubric, code="only", allow_na=True)
    result = rubric_score(rubric=rubric, scores={"only": None})
    assert (result.total, result.passed, result.not_applicable) == (None, None, ("only",))


def test_weighted_sum_multiplies_by_weight(db) -> None:
    rubric = RubricFactory(total_method="weighted_sum")
    CriterionFactory(rubric=rubric, code="heavy", weight=Decimal(2))
    CriterionFactory(rubric=rubric, code="light", weight=Decimal("0.5"))
    result = rubric_score(rubric=rubric, scores={"heavy": 3, "light": 2})
    assert (result.total, result.maximum) == (7, 10)
    assert result.contributions == {"heavy": 6, "light": 1}


def test_scores_that_do_not_fit_are_refused_with_every_problem(na_rubric) -> None:
    with pytest.raises(ScoreError) as caught:
        rubric_score(rubric=na_rubric, scores={"a": None, "b": 5, "c": 1.5, "zz": 1})
    assert caught.value.problems == [
        "zz: no such criterion in this rubric",
        "a: 'not applicable' is not allowed for this criterion",
        "b: 5 is outside the scale 0 to 4",
        "c: 1.5 is not on the scale's steps of 1",
    ]


def test_missing_scores_and_wrong_kinds_are_refused(na_rubric, builtins) -> None:
    with pytest.raises(ScoreError) as caught:
        rubric_score(rubric=na_rubric, scores={"a": True, "b": "3"})
    assert caught.value.problems == [
        "a: expected a number, got True",
        "b: expected a number, got '3'",
        "c: no score given; choose a score or “not applicable”.",
    ]
    cbt = rubric_latest_published(slug="cbt-llm")
    scores = _all(cbt, True)
    scores["validation"] = 2
    with pytest.raises(ScoreError, match=r"validation: expected met \(true / 1\)"):
        rubric_score(rubric=cbt, scores=scores)


def test_the_documented_na_example(db) -> None:
    """docs/rubrics.md: ten 0-4 items, one NA, 27 of the remaining 36 gives 30 of 40."""
    rubric = RubricFactory(slug="ten-items", cutoff=Decimal(24))
    for number in range(10):
        CriterionFactory(rubric=rubric, code=f"i{number}", allow_na=number == 9)
    scores = {f"i{number}": 3 for number in range(9)}  # 27
    scores["i9"] = None
    result = rubric_score(rubric=rubric, scores=scores)
    assert (result.raw_total, result.applicable_maximum) == (27, 36)
    assert (result.total, result.maximum, result.passed) == (30, 40, True)


def test_no_ctrs_item_allows_not_applicable(builtins) -> None:
    ctrs = rubric_latest_published(slug="ctrs")
    with pytest.raises(ScoreError, match="homework: 'not applicable' is not allowed"):
        rubric_score(rubric=ctrs, scores={**_all(ctrs, 4), "homework": None})
