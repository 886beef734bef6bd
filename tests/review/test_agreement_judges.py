import pandas as pd
import pytest

from review.stats import judge_alignment, kappa_quadratic


def test_quadratic_kappa_matches_a_hand_computed_example():
    # Observed pairs (1,1), (2,3), (3,3), each 1/3. Margins: first 1/3 each of 1, 2, 3; second
    # 1/3 of 1 and 2/3 of 3. Weights (i - j)^2. Observed disagreement: 1 * 1/3 = 1/3. Chance
    # disagreement: row 1: 4 * 2/9; row 2: 1 * 1/9 + 1 * 2/9; row 3: 4 * 1/9; total 15/9.
    # Kappa = 1 - (1/3) / (15/9) = 0.8.
    assert kappa_quadratic(first=[1, 2, 3], second=[1, 3, 3]) == pytest.approx(0.8)


def test_quadratic_kappa_weighs_by_distance_and_ignores_units():
    near = kappa_quadratic(first=[0, 2, 4, 6], second=[1, 2, 4, 6])
    far = kappa_quadratic(first=[0, 2, 4, 6], second=[4, 2, 4, 6])

    assert near > far
    assert kappa_quadratic(first=[0, 1, 2, 3], second=[0, 1, 3, 3]) == pytest.approx(
        kappa_quadratic(first=[0, 0.5, 1, 1.5], second=[0, 0.5, 1.5, 1.5])
    )
    assert kappa_quadratic(first=[2, 2], second=[2, 2]) is None
    assert kappa_quadratic(first=[1, 2, 3], second=[1, 2, 3]) == 1


def _humans(scores):
    return pd.DataFrame(
        [(item, rater, value) for item, row in scores.items() for rater, value in row.items()],
        columns=["item", "rater", "value"],
    )


HUMANS = _humans(
    {
        f"s{item}": {"ann": score, "bo": score, "cy": score}
        for item, score in enumerate([0, 1, 2, 3, 4, 5, 2, 3, 4, 1])
    }
)


def test_judge_who_copies_the_humans_is_perfectly_aligned():
    medians = HUMANS.groupby("item")["value"].median()
    judge = pd.DataFrame({"item": medians.index, "value": medians.to_numpy()})

    result = judge_alignment(ratings=HUMANS, judge=judge, level="ordinal", n_boot=100)

    assert result.n_items == 10
    assert result.spearman == pytest.approx(1)
    assert result.kappa == pytest.approx(1)
    assert result.mean_abs_error == 0
    assert result.bias == 0
    assert result.disagreements == ()
    assert result.with_judge.alpha == result.humans.alpha == 1


def test_overrating_judge_shows_bias_and_worst_items_first():
    medians = HUMANS.groupby("item")["value"].median()
    verdicts = medians + 1
    verdicts["s0"] = 3  # three points above the humans' 0
    judge = pd.DataFrame({"item": verdicts.index, "value": verdicts.to_numpy()})

    result = judge_alignment(ratings=HUMANS, judge=judge, level="ordinal", top=3, n_boot=100)

    assert result.bias == pytest.approx((9 * 1 + 3) / 10)
    assert result.mean_abs_error == pytest.approx(1.2)
    assert result.kappa < 1
    assert result.with_judge.alpha < result.humans.alpha
    assert result.confusion.count(judge=3, human=0) == 1
    assert result.confusion.count(judge=3, human=2) == 2  # s2 and s6
    assert result.confusion.count(judge=2, human=2) == 0
    assert [(d.item, d.human_median, d.judge, d.difference) for d in result.disagreements] == [
        ("s0", 0, 3, 3),
        ("s1", 1, 2, 1),
        ("s2", 2, 3, 1),
    ]


def test_human_median_is_rounded_half_to_even_for_the_confusion_matrix():
    humans = _humans({"x": {"ann": 2, "bo": 3}, "y": {"ann": 3, "bo": 4}, "z": {"ann": 1}})
    judge = pd.DataFrame({"item": ["x", "y", "z"], "value": [2, 4, 1]})

    result = judge_alignment(ratings=humans, judge=judge, level="interval", n_boot=0)

    assert result.confusion.count(judge=2, human=2) == 1  # median 2.5 -> 2
    assert result.confusion.count(judge=4, human=4) == 1  # median 3.5 -> 4
    assert result.mean_abs_error == pytest.approx(1 / 3)
    # z has a single human rating: compared with the judge, but not part of either alpha.
    assert result.n_items == 3
    assert result.humans.n_items == 2
    assert result.with_judge.n_items == 2


def test_judge_alignment_with_too_few_items_leaves_rho_undefined():
    humans = _humans({"x": {"ann": 2, "bo": 3}, "y": {"ann": 3, "bo": 4}})
    judge = pd.DataFrame({"item": ["x", "y"], "value": [2, 4]})

    result = judge_alignment(ratings=humans, judge=judge, level="interval", n_boot=0)

    assert result.spearman is None
    assert result.kappa is not None


def test_judge_scores_must_be_numbers():
    judge = pd.DataFrame({"item": ["s1"], "value": ["great"]})

    with pytest.raises(ValueError, match="judge: row 0 value 'great' is not a number"):
        judge_alignment(ratings=HUMANS, judge=judge, level="ordinal")
