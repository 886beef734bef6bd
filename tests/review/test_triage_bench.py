"""Issue 21, item 3: the triage simulation gives the known answer on small generated cases."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.triage import Judge, SimItem, nominal_alpha, simulate

JUDGE = Judge(samples=9, noise=0.1, position_bias=0.0, unparsable=0.0)


def _easy(count):
    return [SimItem("session", "pass" if n % 2 else "fail", 0.4) for n in range(count)]


def test_triage_reviews_exactly_the_items_the_judge_is_unsure_of_and_catches_their_errors():
    hard = [SimItem("session", "pass", 0.0) for _ in range(10)]
    items = _easy(90) + hard

    outcome = simulate(items, judge=JUDGE, budget=10, control_share=0.0, seed=3)

    triage, rand = outcome["triage"], outcome["random"]
    # Only the hard items can be wrong (a coin toss each), and triage spends its ten reviews
    # on them: every error is caught and the export holds none.
    assert triage.errors > 0
    assert triage.caught == triage.errors
    assert triage.export_error_rate == 0.0
    assert rand.caught < triage.caught


def test_triage_cannot_catch_what_the_judge_gets_confidently_wrong():
    wrong = [SimItem("session", "pass", -0.4) for _ in range(10)]
    items = _easy(90) + wrong

    outcome = simulate(items, judge=JUDGE, budget=10, control_share=0.0, seed=3)

    # The judge is sure of every item, so triage has no unsure band to put first and the
    # confidently wrong items (last in the list) stay unreviewed; random order finds some.
    assert outcome["triage"].errors == 10
    assert outcome["triage"].caught == 0
    assert outcome["triage"].export_error_rate == pytest.approx(0.1)


def test_only_the_control_slice_estimates_alpha_in_triage_order():
    items = _easy(90) + [SimItem("session", "pass", 0.0) for _ in range(10)]

    without = simulate(items, judge=JUDGE, budget=10, control_share=0.0, seed=3)
    with_control = simulate(items, judge=JUDGE, budget=10, control_share=1.0, seed=3)

    assert without["triage"].reviews_to_alpha is None
    assert with_control["triage"].reviews_to_alpha is not None


def test_nominal_alpha_is_one_for_perfect_agreement_and_below_zero_for_systematic_disagreement():
    assert nominal_alpha(Counter({("pass", "pass"): 5, ("fail", "fail"): 5})) == 1.0
    assert nominal_alpha(Counter({("pass", "fail"): 5, ("fail", "pass"): 5})) < 0
