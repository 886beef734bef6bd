import re

import krippendorff
import numpy as np
import pandas as pd
import pytest

from review.stats import LEVELS, Undefined, alpha_by_criterion, alpha_estimate, coincidence
from review.stats.coincidence import alpha_point, alphas_for_weights, patterns_from_counts
from review.stats.frames import ratings_clean, unit_counts
from tests.review.agreement_data import (
    KRIPPENDORFF_2011,
    KRIPPENDORFF_2011_ALPHA,
    long_table,
    matrix_to_long,
    reliability_matrix,
)


@pytest.mark.parametrize("level", LEVELS)
def test_reproduces_krippendorff_2011(level):
    result = alpha_estimate(ratings=long_table(KRIPPENDORFF_2011), level=level, n_boot=200)

    assert round(result.alpha, 3) == KRIPPENDORFF_2011_ALPHA[level]
    assert result.n_pairable == 40
    # Unit 12 has a single value, so 11 of the 12 units can be paired.
    assert result.n_items == 11
    assert result.n_raters == 4
    assert result.low <= result.alpha <= result.high


def _vectorised(matrix: np.ndarray, level: str) -> float:
    units = unit_counts(frame=ratings_clean(ratings=matrix_to_long(matrix), level=level))
    patterns = patterns_from_counts(counts=units.counts, domain=units.domain)
    return float(
        alphas_for_weights(patterns=patterns, weights=patterns.multiplicity[None], level=level)[0]
    )


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", range(12))
def test_vectorised_alpha_equals_krippendorff_package(level, seed):
    matrix = reliability_matrix(seed=seed, scale=[3, 5, 7, 11][seed % 4])

    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)

    assert _vectorised(matrix, level) == pytest.approx(expected, abs=1e-9, rel=0)


@pytest.mark.parametrize("level", LEVELS)
def test_vectorised_alpha_handles_fractional_scales(level):
    # Half points and a wide spread of totals, as a composite score produces.
    matrix = reliability_matrix(seed=99, scale=40) / 2 + 10

    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)

    assert _vectorised(matrix, level) == pytest.approx(expected, abs=1e-9, rel=0)


@pytest.mark.parametrize("level", LEVELS)
def test_each_resample_equals_krippendorff_on_the_resampled_items(level):
    matrix = reliability_matrix(seed=21, scale=6)
    units = unit_counts(frame=ratings_clean(ratings=matrix_to_long(matrix), level=level))
    patterns = patterns_from_counts(counts=units.counts, domain=units.domain)
    rng = np.random.default_rng(0)
    weights = rng.multinomial(patterns.n_items, patterns.multiplicity / patterns.n_items, size=5)

    resampled = alphas_for_weights(patterns=patterns, weights=weights.astype(float), level=level)

    for row, alpha in zip(weights, resampled, strict=True):
        # Spell the resample out: each pattern's value counts, repeated as often as it was drawn.
        counts = np.repeat(patterns.counts, row, axis=0)
        used = counts.sum(axis=0) > 0
        expected = krippendorff.alpha(
            value_counts=counts[:, used],
            value_domain=patterns.domain[used],
            level_of_measurement=level,
        )
        assert alpha == pytest.approx(expected, abs=1e-9, rel=0)


@pytest.mark.parametrize("level", LEVELS)
def test_point_estimate_falls_back_to_vectorised_code_on_large_data(level, monkeypatch):
    matrix = reliability_matrix(seed=5, scale=9)
    units = unit_counts(frame=ratings_clean(ratings=matrix_to_long(matrix), level=level))
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    monkeypatch.setattr(coincidence, "KRIPPENDORFF_MAX_ELEMENTS", 0)

    fallback = alpha_point(counts=units.counts, domain=units.domain, level=level)

    assert fallback == pytest.approx(expected, abs=1e-9, rel=0)


def test_interval_is_seeded_and_contains_the_estimate():
    ratings = matrix_to_long(reliability_matrix(seed=3, missing=0.1))

    first = alpha_estimate(ratings=ratings, level="ordinal", n_boot=500, seed=11)
    again = alpha_estimate(ratings=ratings, level="ordinal", n_boot=500, seed=11)
    other = alpha_estimate(ratings=ratings, level="ordinal", n_boot=500, seed=12)

    assert (first.low, first.high) == (again.low, again.high)
    assert (first.low, first.high) != (other.low, other.high)
    assert first.low < first.alpha < first.high
    assert first.n_boot == 500
    assert first.n_boot_undefined == 0


def test_wider_interval_for_fewer_items():
    many = matrix_to_long(np.tile(reliability_matrix(seed=4, missing=0), 10))
    few = matrix_to_long(reliability_matrix(seed=4, missing=0))

    wide = alpha_estimate(ratings=few, level="interval", n_boot=400)
    narrow = alpha_estimate(ratings=many, level="interval", n_boot=400)

    assert wide.alpha == pytest.approx(narrow.alpha, abs=0.05)
    assert (wide.high - wide.low) > 2 * (narrow.high - narrow.low)


def test_no_interval_when_not_asked_for():
    result = alpha_estimate(ratings=long_table(KRIPPENDORFF_2011), level="interval", n_boot=0)

    assert result.alpha == pytest.approx(0.849, abs=5e-4)
    assert (result.low, result.high) == (None, None)


def test_resamples_without_variation_are_left_out_of_the_interval():
    # One item disagrees, four agree on 3: resamples that miss the first item have no variation.
    ratings = pd.DataFrame(
        {
            "item": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
            "rater": ["a", "b"] * 5,
            "value": [2, 4, 3, 3, 3, 3, 3, 3, 3, 3],
        }
    )

    result = alpha_estimate(ratings=ratings, level="interval", n_boot=300, seed=2)

    # (4/5)^5 of resamples lack item 1: about 98 of 300.
    assert 60 < result.n_boot_undefined < 140
    assert result.low is not None
    assert result.high is not None


def test_single_rating_per_item_gives_no_alpha():
    ratings = pd.DataFrame({"item": [1, 2, 3], "rater": ["a", "b", "a"], "value": [1, 2, 3]})

    result = alpha_estimate(ratings=ratings, level="ordinal")

    assert result.alpha is None
    assert not result.defined
    assert result.reason is Undefined.TOO_FEW_RATINGS
    assert (result.n_items, result.n_pairable) == (0, 0)


def test_one_distinct_value_gives_no_alpha():
    ratings = pd.DataFrame(
        {"item": [1, 1, 2, 2, 3], "rater": ["a", "b", "a", "b", "a"], "value": [4, 4, 4, 4, 1]}
    )

    result = alpha_estimate(ratings=ratings, level="interval")

    assert result.alpha is None
    assert result.reason is Undefined.NO_VARIATION
    assert (result.n_items, result.n_pairable) == (2, 4)


def test_not_applicable_counts_as_missing():
    with_gaps = long_table(KRIPPENDORFF_2011)
    without_gaps = with_gaps.dropna(subset=["value"])

    given_none = alpha_estimate(ratings=with_gaps, level="nominal", n_boot=100)
    left_out = alpha_estimate(ratings=without_gaps, level="nominal", n_boot=100)

    assert given_none == left_out


def test_nominal_labels_need_no_numbers():
    ratings = long_table(KRIPPENDORFF_2011)
    names = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    labelled = ratings.assign(value=ratings["value"].map(names))

    result = alpha_estimate(ratings=labelled, level="nominal", n_boot=0)

    assert round(result.alpha, 3) == 0.743


def test_all_agreeing_items_give_alpha_one():
    ratings = pd.DataFrame(
        {"item": [1, 1, 2, 2, 3, 3], "rater": ["a", "b"] * 3, "value": [1, 1, 2, 2, 5, 5]}
    )

    result = alpha_estimate(ratings=ratings, level="ordinal", n_boot=100)

    assert result.alpha == 1
    assert result.low == result.high == 1


@pytest.mark.parametrize(
    ("ratings", "message"),
    [
        (pd.DataFrame({"item": [1], "value": [2]}), "ratings: missing column(s) rater"),
        (
            pd.DataFrame({"item": [1, 1], "rater": ["a", "a"], "value": [2, 3]}),
            "ratings: row 1 repeats a value for the same item and rater (item 1, rater 'a')",
        ),
        (
            pd.DataFrame({"item": [1, 1], "rater": ["a", "b"], "value": [2, "high"]}),
            "ratings: row 1 value 'high' is not a number",
        ),
        (
            pd.DataFrame({"item": [1, None], "rater": ["a", "b"], "value": [2, 3]}),
            "ratings: row 1 has no item",
        ),
    ],
)
def test_bad_input_names_the_row_and_field(ratings, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        alpha_estimate(ratings=ratings, level="interval")


def test_ratio_rejects_negative_values():
    ratings = pd.DataFrame({"item": [1, 1], "rater": ["a", "b"], "value": [2, -1]})

    with pytest.raises(ValueError, match="row 1 value is negative"):
        alpha_estimate(ratings=ratings, level="ratio")


def test_unknown_level_is_refused():
    with pytest.raises(ValueError, match="unknown level of measurement 'likert'"):
        alpha_estimate(ratings=long_table(KRIPPENDORFF_2011), level="likert")


def test_by_criterion_uses_each_level_and_keeps_streams_apart():
    paper = long_table(KRIPPENDORFF_2011)
    noisy = matrix_to_long(reliability_matrix(seed=8))
    ratings = pd.concat(
        [paper.assign(criterion="empathy"), noisy.assign(criterion="safety")], ignore_index=True
    )

    both = alpha_by_criterion(
        ratings=ratings, levels={"empathy": "ordinal", "safety": "nominal"}, n_boot=200, seed=4
    )
    alone = alpha_by_criterion(ratings=ratings, levels={"empathy": "ordinal"}, n_boot=200, seed=4)

    assert round(both["empathy"].alpha, 3) == 0.815
    assert both["safety"].level == "nominal"
    assert both["safety"].alpha == pytest.approx(
        krippendorff.alpha(
            reliability_data=reliability_matrix(seed=8), level_of_measurement="nominal"
        ),
        abs=1e-12,
    )
    assert alone["empathy"] == both["empathy"]


def test_by_criterion_reports_a_criterion_nobody_scored():
    ratings = long_table(KRIPPENDORFF_2011).assign(criterion="empathy")

    results = alpha_by_criterion(
        ratings=ratings, levels={"empathy": "interval", "homework": "interval"}, n_boot=50
    )

    assert results["homework"].reason is Undefined.TOO_FEW_RATINGS


def test_single_criterion_call_refuses_mixed_criteria():
    ratings = long_table(KRIPPENDORFF_2011)
    ratings["criterion"] = ["a", "b"] * (len(ratings) // 2)

    with pytest.raises(ValueError, match="several criteria given"):
        alpha_estimate(ratings=ratings, level="interval")


def test_patterns_are_numpys_distinct_rows_in_numpys_order():
    from review.stats.coincidence import _unique_rows

    rng = np.random.default_rng(3)
    small = rng.integers(0, 4, size=(500, 6))
    # Too many columns of large counts for one integer a row: numpy's row-wise path.
    wide = rng.integers(0, 2**20, size=(50, 8))
    wide[25:] = wide[:25]
    for rows in (small, wide, small[:0]):
        expected_rows, expected_counts = np.unique(rows, axis=0, return_counts=True)
        unique, counts = _unique_rows(rows)
        assert np.array_equal(unique, expected_rows)
        assert np.array_equal(counts, expected_counts)
