from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from review.stats import alpha_by_week, alpha_estimate, composite_build


def _scores(rows):
    return pd.DataFrame(rows, columns=["item", "rater", "criterion", "value"])


def test_sum_total_needs_every_criterion():
    ratings = _scores(
        [
            (1, "a", "agenda", 4),
            (1, "a", "homework", 2),
            (1, "b", "agenda", 5),
            (1, "b", "homework", None),  # not applicable: b's total is not comparable
        ]
    )

    totals = composite_build(ratings=ratings).set_index(["item", "rater"])["value"]

    assert totals[(1, "a")] == 6
    assert np.isnan(totals[(1, "b")])


def test_weighted_mean_total_uses_what_was_scored():
    ratings = _scores(
        [
            (1, "a", "agenda", 4),
            (1, "a", "homework", 2),
            (1, "b", "agenda", 5),
            (1, "b", "homework", None),
        ]
    )

    totals = composite_build(
        ratings=ratings, weights={"agenda": 3, "homework": 1}, total="mean"
    ).set_index(["item", "rater"])["value"]

    assert totals[(1, "a")] == pytest.approx((3 * 4 + 2) / 4)
    assert totals[(1, "b")] == 5


def test_composite_alpha_rewards_raters_who_agree_on_totals():
    rng = np.random.default_rng(0)
    quality = rng.integers(0, 7, size=(60, 1, 4))
    close = np.clip(quality + rng.integers(-1, 2, size=(60, 3, 4)), 0, 6)
    rows = [
        (item, f"r{rater}", f"c{criterion}", close[item, rater, criterion])
        for item in range(60)
        for rater in range(3)
        for criterion in range(4)
    ]

    result = alpha_estimate(
        ratings=composite_build(ratings=_scores(rows)), level="interval", n_boot=300
    )

    assert result.n_items == 60
    assert result.n_pairable == 180
    assert 0.7 < result.low < result.alpha < result.high <= 1


def test_drift_by_iso_week_uses_each_items_last_rating():
    monday = datetime(2026, 11, 16, 9, tzinfo=UTC)  # ISO week 2026-W47
    rows = []
    for item in range(6):  # week 47: reviewers agree exactly
        rows += [(item, "a", item % 5, monday), (item, "b", item % 5, monday)]
    for item in range(6, 12):  # week 48: they drift apart
        rows += [
            (item, "a", item % 5, monday),  # first rating in week 47 ...
            (item, "b", (item + 2) % 5, monday + timedelta(days=7)),  # ... completed in 48
        ]
    ratings = pd.DataFrame(rows, columns=["item", "rater", "value", "created_at"])

    weeks = alpha_by_week(ratings=ratings, level="interval", n_boot=100)

    assert [week.week for week in weeks] == ["2026-W47", "2026-W48"]
    assert weeks[0].result.alpha == 1
    assert weeks[0].result.n_items == 6
    assert weeks[1].result.n_items == 6
    assert weeks[1].result.alpha < 0.5


def test_drift_needs_timestamps():
    ratings = pd.DataFrame({"item": [1, 1], "rater": ["a", "b"], "value": [1, 2]})

    with pytest.raises(ValueError, match="missing column"):
        alpha_by_week(ratings=ratings, level="interval")
