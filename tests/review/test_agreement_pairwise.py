import pandas as pd
import pytest

from review.stats import (
    judge_pairwise_alignment,
    judge_position_consistency,
    pairwise_agreement,
)


def _choices(votes):
    return pd.DataFrame(
        [(item, rater, choice) for item, row in votes.items() for rater, choice in row.items()],
        columns=["item", "rater", "value"],
    )


VOTES = {
    1: {"ann": "A", "bo": "A", "cy": "B"},  # 3 pairs, 1 agreeing; without ties the same
    2: {"ann": "tie", "bo": "A"},  # 1 pair, none agreeing; without ties no pair
    3: {"ann": "B", "cy": "B"},  # 1 pair, agreeing
    4: {"bo": "both_bad", "cy": "both_bad"},  # 1 pair, agreeing; a tie, so dropped without
}


def test_percent_agreement_counts_every_rater_pair():
    result = pairwise_agreement(choices=_choices(VOTES), n_boot=100)

    assert result.n_pairs == 6
    assert result.agreement == pytest.approx(3 / 6)
    assert result.n_pairs_without_ties == 4
    assert result.agreement_without_ties == pytest.approx(2 / 4)
    assert result.alpha.level == "nominal"
    assert result.alpha.n_items == 4
    assert result.alpha.n_pairable == 9


def test_both_bad_can_count_as_a_preference():
    result = pairwise_agreement(choices=_choices(VOTES), ties=("tie",), n_boot=0)

    assert result.n_pairs_without_ties == 5
    assert result.agreement_without_ties == pytest.approx(3 / 5)


def test_no_pairs_means_no_percentage():
    result = pairwise_agreement(choices=_choices({1: {"ann": "A"}, 2: {"bo": "tie"}}), n_boot=10)

    assert result.agreement is None
    assert result.agreement_without_ties is None
    assert result.alpha.alpha is None


def test_judge_against_the_human_majority():
    votes = {
        1: {"ann": "A", "bo": "A", "cy": "B"},  # majority A, judge A: agree
        2: {"ann": "B", "bo": "B"},  # majority B, judge A: disagree
        3: {"ann": "tie", "bo": "tie", "cy": "A"},  # majority tie, judge tie: agree, a tie
        4: {"ann": "A", "bo": "B"},  # no majority
        5: {"ann": "B", "bo": "B"},  # majority B, judge tie: disagree, a tie
        6: {"ann": "A", "bo": "A"},  # the judge did not answer
    }
    judge = pd.DataFrame({"item": [1, 2, 3, 4, 5, 6], "value": ["A", "A", "tie", "B", "tie", None]})

    result = judge_pairwise_alignment(choices=_choices(votes), judge=judge)

    assert result.n_items == 4
    assert result.n_no_majority == 1
    assert result.agreement == pytest.approx(2 / 4)
    assert result.n_items_without_ties == 2
    assert result.agreement_without_ties == pytest.approx(1 / 2)


def test_judge_answer_given_twice_is_refused():
    judge = pd.DataFrame({"item": [1, 1], "value": ["A", "B"]})

    with pytest.raises(ValueError, match="judge: row 1 repeats item 1"):
        judge_pairwise_alignment(choices=_choices(VOTES), judge=judge)


def test_position_consistency_unswaps_the_second_run():
    runs = pd.DataFrame(
        {
            "item": [1, 2, 3, 4, 5, 6],
            "original": ["A", "B", "tie", "A", "B", "A"],
            "swapped": ["B", "A", "tie", "A", "B", "tie"],
        }
    )

    result = judge_position_consistency(runs=runs)

    assert result.n_items == 6
    assert result.n_consistent == 3
    assert result.consistency == pytest.approx(0.5)
    assert result.first_slot == 1
    assert result.second_slot == 1


def test_judge_disagreements_put_the_most_one_sided_majorities_first():
    votes = {
        "a": {"ann": "A", "bo": "A", "cy": "B"},  # 2 of 3 for A, judge B
        "b": {"ann": "B", "bo": "B", "cy": "B"},  # unanimous B, judge A
        "c": {"ann": "A", "bo": "A"},  # unanimous A with two, judge tie
        "d": {"ann": "A", "bo": "B"},  # no majority: nothing to go against
        "e": {"ann": "B", "bo": "B"},  # the judge agrees
    }
    judge = pd.DataFrame({"item": list("abcde"), "value": ["B", "A", "tie", "A", "B"]})

    result = judge_pairwise_alignment(choices=_choices(votes), judge=judge)
    capped = judge_pairwise_alignment(choices=_choices(votes), judge=judge, top=1)

    assert [(d.item, d.majority, d.votes, d.n_raters, d.judge) for d in result.disagreements] == [
        ("b", "B", 3, 3, "A"),
        ("c", "A", 2, 2, "tie"),
        ("a", "A", 2, 3, "B"),
    ]
    assert [d.item for d in capped.disagreements] == ["b"]
