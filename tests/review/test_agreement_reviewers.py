import pandas as pd
import pytest

from review.stats import reviewer_agreement


def _panel(scores):
    return pd.DataFrame(
        [(item, rater, value) for item, row in enumerate(scores) for rater, value in row.items()],
        columns=["item", "rater", "value"],
    )


def test_lenient_reviewer_shows_positive_bias():
    truth = [0, 1, 2, 3, 4, 5, 6, 2, 3, 4]
    ratings = _panel([{"ann": t, "bo": t, "cy": t + 1} for t in truth])

    by_rater = {row.rater: row for row in reviewer_agreement(ratings=ratings, level="ordinal")}

    assert by_rater["cy"].bias == pytest.approx(1)
    assert by_rater["cy"].exact == 0
    assert by_rater["cy"].within_one == 1
    assert by_rater["cy"].mean_abs_diff == pytest.approx(1)
    # ann's colleagues are bo (same) and cy (one higher): median and mean are half a point up.
    assert by_rater["ann"].bias == pytest.approx(-0.5)
    assert by_rater["ann"].mean_abs_diff == pytest.approx(0.5)
    assert by_rater["ann"].n_items == 10
    assert by_rater["ann"].alpha > by_rater["cy"].alpha


def test_severe_reviewer_and_items_rated_alone():
    ratings = _panel(
        [
            {"ann": 4, "bo": 4, "cy": 2},
            {"ann": 5, "bo": 5, "cy": 3},
            {"ann": 3, "bo": 4, "cy": 1},
            {"cy": 6},  # nobody else rated it
        ]
    )

    by_rater = {row.rater: row for row in reviewer_agreement(ratings=ratings, level="interval")}

    assert by_rater["cy"].n_items == 3
    assert by_rater["cy"].bias == pytest.approx(((2 - 4) + (3 - 5) + (1 - 3.5)) / 3)
    assert by_rater["cy"].within_one == 0
    # bo against the median of ann and cy (3, 4, 2): one point off twice, two points once.
    assert by_rater["bo"].exact == 0
    assert by_rater["bo"].within_one == pytest.approx(2 / 3)


def test_nominal_reviewer_compared_with_the_others_unique_mode():
    ratings = _panel(
        [
            {"ann": "met", "bo": "met", "cy": "met"},
            {"ann": "met", "bo": "not met", "cy": "not met"},
            {"ann": "not met", "bo": "met", "cy": "not met"},
        ]
    )

    by_rater = {row.rater: row for row in reviewer_agreement(ratings=ratings, level="nominal")}

    # The others have a unique mode only where both agree: items 0 and 1 for ann, item 0 for cy.
    assert by_rater["ann"].n_items == 2
    assert by_rater["ann"].exact == pytest.approx(1 / 2)
    assert by_rater["ann"].bias is None
    assert by_rater["ann"].within_one is None
    assert by_rater["cy"].n_items == 1
    assert by_rater["cy"].exact == 1


def test_reviewer_without_colleagues_has_no_figures():
    ratings = _panel([{"ann": 3}, {"bo": 2}])

    rows = reviewer_agreement(ratings=ratings, level="ordinal")

    assert [(row.rater, row.n_items, row.exact, row.bias) for row in rows] == [
        ("ann", 0, None, None),
        ("bo", 0, None, None),
    ]
