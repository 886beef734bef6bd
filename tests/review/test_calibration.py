"""Calibration on gold items: the share of answers within tolerance, and passing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.models import Role
from review.services.calibration import calibration_passed, calibration_result
from tests.factories import member
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.lead_fixtures import (
    published_rubric,
    scoring_settings,
    submit_judgment,
    submit_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric(world):
    rubric = published_rubric()
    scoring_settings(
        world.project,
        rubric,
        require_calibration=True,
        calibration_pass_share=Decimal("0.75"),
        calibration_tolerance=Decimal(1),
    )
    return rubric


def _gold(world, **scores):
    return SessionItemFactory(project=world.project, is_gold=True, gold_scores=scores)


def test_share_counts_criteria_within_tolerance_and_matching_choices(world, rubric):
    reviewer = member(world.project, Role.REVIEWER, "calibrating")
    first = _gold(world, empathy=3, focus=None)
    second = _gold(world, empathy=1)  # focus not checked on this one
    pair = PairItemFactory(project=world.project, is_gold=True, gold_choice="a")
    submit_review(first, rubric, reviewer=reviewer, empathy=4, focus=None)  # 2 of 2 agree
    submit_review(second, rubric, reviewer=reviewer, empathy=3, focus=2)  # 0 of 1
    submit_judgment(pair, "a", reviewer=reviewer)  # 1 of 1

    result = calibration_result(project=world.project, reviewer=reviewer)

    assert (result.answers, result.agreeing, result.items_done) == (4, 3, 3)
    assert result.share == Decimal("0.75")
    assert result.passed
    assert calibration_passed(project=world.project, reviewer=reviewer)


def test_not_passed_until_enough_gold_items_are_done(world, rubric):
    reviewer = member(world.project, Role.REVIEWER, "beginner")
    items = [_gold(world, empathy=2) for _ in range(4)]
    submit_review(items[0], rubric, reviewer=reviewer, empathy=2, focus=2)
    submit_review(items[1], rubric, reviewer=reviewer, empathy=2, focus=2)

    result = calibration_result(project=world.project, reviewer=reviewer)
    assert result.share == 1
    assert result.items_needed == 3
    assert not result.complete
    assert not calibration_passed(project=world.project, reviewer=reviewer)

    submit_review(items[2], rubric, reviewer=reviewer, empathy=2, focus=2)
    assert calibration_passed(project=world.project, reviewer=reviewer)


def test_failing_share_does_not_pass(world, rubric):
    reviewer = member(world.project, Role.REVIEWER, "harsh")
    for _ in range(3):
        submit_review(_gold(world, empathy=4), rubric, reviewer=reviewer, empathy=1, focus=2)
    result = calibration_result(project=world.project, reviewer=reviewer)
    assert result.share == 0
    assert result.complete
    assert not result.passed


def test_passed_when_not_required_or_nothing_to_calibrate_on(world):
    rubric = published_rubric()
    settings = scoring_settings(world.project, rubric, require_calibration=False)
    reviewer = member(world.project, Role.REVIEWER, "fresh")
    _gold(world, empathy=2)
    assert calibration_passed(project=world.project, reviewer=reviewer)
    settings.require_calibration = True
    settings.save()
    assert not calibration_passed(project=world.project, reviewer=reviewer)
    world.project.review_items.update(is_gold=False)
    assert calibration_passed(project=world.project, reviewer=reviewer)
