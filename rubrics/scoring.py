"""From criterion scores to sub-totals, a total and pass / fail: one rule for every caller.

Review, LLM judges, agreement and exports all call ``rubric_score``, so a total means the same
everywhere.

Scores: a mapping from criterion code to a value. A range criterion takes a number on its
scale (``min`` to ``max`` in steps of ``step``); a met / not met criterion takes ``True`` /
``False`` (or 1 / 0) and counts its points when met. ``None`` means "not applicable".

Not applicable (NA): an NA criterion is left out, and the total is prorated: the applicable
criteria's total is mapped linearly from the range they can reach onto the rubric's full range.
For a sum that starts at 0 this is ``raw * maximum / applicable maximum``: on a rubric of ten
items scored 0-4 (total 40, cut-off 24) where one item allows NA, a session with that item NA
that scores 27 of the remaining 36 gets 30 of 40. (No CTRS item allows NA.) Prorating keeps
every total on one scale, so the cut-off and comparisons between items stay meaningful (a
reduced maximum would make a session fail a cut-off only because an item did not apply). For a
mean the NA criteria are simply not averaged. Group sub-totals are not prorated: a group reports
what its applicable criteria add up to, next to the maximum they could reach. When every
criterion is NA there is no total and no pass / fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from rubrics.models import Criterion, CriterionGroup, Rubric, TotalMethod

ScoreValue = int | float | Decimal | bool | None

NA_RULE = "prorated"
_PLACES = Decimal("0.001")


class ScoreError(ApplicationError):
    """Scores that do not fit the rubric; ``problems`` names each criterion and what is wrong."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class GroupScore:
    code: str
    subtotal: Decimal | None
    maximum: Decimal
    applicable_maximum: Decimal


@dataclass(frozen=True)
class RubricScore:
    total: Decimal | None
    raw_total: Decimal | None
    minimum: Decimal
    maximum: Decimal
    applicable_maximum: Decimal
    cutoff: Decimal | None
    passed: bool | None
    groups: tuple[GroupScore, ...]
    # What each criterion adds (points for met / not met, the weighted score for a weighted sum).
    contributions: Mapping[str, Decimal | None]
    not_applicable: tuple[str, ...]
    na_rule: str = NA_RULE


def _tidy(number: Decimal) -> Decimal:
    """Three decimal places at most, no trailing zeros, whole numbers without exponent."""
    number = number.quantize(_PLACES)
    return (
        number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
    )


def _value(criterion: Criterion, value: ScoreValue) -> tuple[Decimal | None, str | None]:
    """The criterion's raw score as a Decimal, or the reason the value does not fit."""
    code = criterion.code
    if value is None:
        if criterion.allow_na:
            return None, None
        return None, _("%(code)s: 'not applicable' is not allowed for this criterion") % {
            "code": code
        }
    if criterion.is_binary:
        if isinstance(value, bool):
            return Decimal(int(value)), None
        if isinstance(value, int | float | Decimal) and value in (0, 1):
            return Decimal(int(value)), None
        return None, _(
            "%(code)s: expected met (true / 1) or not met (false / 0), got %(value)s"
        ) % {"code": code, "value": repr(value)}
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None, _("%(code)s: expected a number, got %(value)s") % {
            "code": code,
            "value": repr(value),
        }
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None, _("%(code)s: expected a number, got %(value)s") % {
            "code": code,
            "value": repr(value),
        }
    if not criterion.scale_min <= number <= criterion.scale_max:
        return None, _("%(code)s: %(value)s is outside the scale %(low)s to %(high)s") % {
            "code": code,
            "value": value,
            "low": criterion.scale_min.normalize(),
            "high": criterion.scale_max.normalize(),
        }
    if (number - criterion.scale_min) % criterion.scale_step:
        return None, _("%(code)s: %(value)s is not on the scale's steps of %(step)s") % {
            "code": code,
            "value": value,
            "step": criterion.scale_step.normalize(),
        }
    return number, None


def _contribution(criterion: Criterion, raw: Decimal, method: str) -> Decimal:
    value = criterion.points * raw if criterion.is_binary else raw
    if method == TotalMethod.WEIGHTED_SUM:
        return value * criterion.weight
    return value


def _bounds(criterion: Criterion, method: str) -> tuple[Decimal, Decimal]:
    if method == TotalMethod.WEIGHTED_SUM:
        return criterion.lowest * criterion.weight, criterion.highest * criterion.weight
    return criterion.lowest, criterion.highest


def _mean(pairs: list[tuple[Decimal, Decimal]]) -> Decimal:
    """Weighted mean of (value, weight) pairs."""
    weights = sum((weight for _value, weight in pairs), Decimal(0))
    return sum((value * weight for value, weight in pairs), Decimal(0)) / weights


def _range(criteria: list[Criterion], method: str) -> tuple[Decimal, Decimal]:
    """The lowest and highest total these criteria can give together."""
    if not criteria:
        return Decimal(0), Decimal(0)
    if method == TotalMethod.MEAN:
        return (
            _mean([(c.lowest, c.weight) for c in criteria]),
            _mean([(c.highest, c.weight) for c in criteria]),
        )
    bounds = [_bounds(c, method) for c in criteria]
    return sum((b[0] for b in bounds), Decimal(0)), sum((b[1] for b in bounds), Decimal(0))


def _combine(
    applicable: list[Criterion], given: Mapping[str, Decimal], method: str
) -> Decimal | None:
    if not applicable:
        return None
    if method == TotalMethod.MEAN:
        return _mean([(given[c.code], c.weight) for c in applicable])
    return sum((given[c.code] for c in applicable), Decimal(0))


def _group_score(
    group: CriterionGroup, criteria: list[Criterion], given: Mapping[str, Decimal], method: str
) -> GroupScore:
    members = [c for c in criteria if c.group_id == group.pk]
    present = [c for c in members if c.code in given]
    return GroupScore(
        code=group.code,
        subtotal=sum((given[c.code] for c in present), Decimal(0)) if present else None,
        maximum=group.maximum
        if group.maximum is not None
        else sum((_bounds(c, method)[1] for c in members), Decimal(0)),
        applicable_maximum=sum((_bounds(c, method)[1] for c in present), Decimal(0)),
    )


def rubric_score(*, rubric: Rubric, scores: Mapping[str, ScoreValue]) -> RubricScore:
    """Score one item. Every criterion needs an entry (``None`` for NA); raises ``ScoreError``."""
    criteria = list(rubric.criteria.all())
    method = rubric.total_method
    known = {criterion.code for criterion in criteria}
    problems = [
        _("%(code)s: no such criterion in this rubric") % {"code": code}
        for code in scores
        if code not in known
    ]
    raws: dict[str, Decimal | None] = {}
    for criterion in criteria:
        if criterion.code not in scores:
            problems.append(
                _("%(code)s: no score given; choose a score or “not applicable”.")
                % {"code": criterion.code}
            )
            continue
        raw, problem = _value(criterion, scores[criterion.code])
        if problem:
            problems.append(problem)
        raws[criterion.code] = raw
    if problems:
        raise ScoreError(problems)

    # What each applicable criterion adds; NA criteria are absent from this mapping.
    given = {
        c.code: _contribution(c, raw, method) for c in criteria if (raw := raws[c.code]) is not None
    }
    contributions: dict[str, Decimal | None] = {c.code: given.get(c.code) for c in criteria}
    applicable = [c for c in criteria if c.code in given]
    groups = [_group_score(group, criteria, given, method) for group in rubric.groups.all()]
    minimum, maximum = _range(criteria, method)
    applicable_minimum, applicable_maximum = _range(applicable, method)
    raw_total = _combine(applicable, given, method)
    total = raw_total
    prorate = method != TotalMethod.MEAN and len(applicable) < len(criteria)
    if raw_total is not None and prorate and applicable_maximum > applicable_minimum:
        # Prorate: map the applicable range linearly onto the full range (see module docstring).
        total = minimum + (raw_total - applicable_minimum) * (maximum - minimum) / (
            applicable_maximum - applicable_minimum
        )
    if total is not None:
        total = _tidy(total)
    passed = None if total is None or rubric.cutoff is None else total >= rubric.cutoff
    return RubricScore(
        total=total,
        raw_total=None if raw_total is None else _tidy(raw_total),
        minimum=_tidy(minimum),
        maximum=_tidy(maximum),
        applicable_maximum=_tidy(applicable_maximum),
        cutoff=None if rubric.cutoff is None else _tidy(rubric.cutoff),
        passed=passed,
        groups=tuple(
            GroupScore(
                code=group.code,
                subtotal=None if group.subtotal is None else _tidy(group.subtotal),
                maximum=_tidy(group.maximum),
                applicable_maximum=_tidy(group.applicable_maximum),
            )
            for group in groups
        ),
        contributions={
            code: None if value is None else _tidy(value) for code, value in contributions.items()
        },
        not_applicable=tuple(c.code for c in criteria if contributions[c.code] is None),
    )
