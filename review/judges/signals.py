"""How sure a judge is about one item, read from its answers.

A run may ask the same question several times at a temperature above zero (``samples``). The
answers to one item then say more than a single score: how far the samples spread, whether a
pair's verdict flips when the responses change places, how many answers could not be read.
These are plain functions of the answers, so the triage queue, the bench and the tests share
one rule. Nothing here is shown to a reviewer: a reviewer never sees a judge's output.

Scores are put on 0..1 (0 the rubric's minimum total, 1 its maximum) so that rubrics of any
scale can be compared and one threshold serves every project.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Two judges whose mean scores lie this far apart (on 0..1) disagree about the item.
DISAGREEMENT_GAP = 0.25
# An item whose uncertainty (or judges' disagreement) reaches this goes to the "unsure" band.
UNSURE_FROM = 0.3
# Samples whose totals spread this far (standard deviation on 0..1) leave the judge fully unsure.
SPREAD_FULL = 0.25


@dataclass(frozen=True)
class ScoreSample:
    """One scored answer: its total on 0..1, and pass / fail where the rubric has a cut-off."""

    score: float
    passed: bool | None


@dataclass(frozen=True)
class ItemSignal:
    """What one judge's answers say about one item.

    ``verdict`` is "pass" / "fail" for a scored item whose rubric has a cut-off, or the choice
    for a pair ("a", "b", "tie", "both_bad"); empty when there is none (no usable answer, or a
    pair whose orders disagree). ``spread`` is the standard deviation of the sampled totals
    (scored items) or the share of answers that differ from the most common choice (pairs).
    ``uncertainty`` (0..1) combines them: see :func:`score_signal` and :func:`pair_signal`.
    """

    verdict: str
    score: float | None
    spread: float | None
    n_ok: int
    n_unparsable: int
    n_failed: int
    position_flip: bool | None
    uncertainty: float


def _minority(values: Sequence[object]) -> float:
    """The share of values that differ from the most common one (0 when all agree)."""
    if not values:
        return 0.0
    top = Counter(values).most_common(1)[0][1]
    return 1 - top / len(values)


def score_signal(*, samples: Sequence[ScoreSample], n_unparsable: int, n_failed: int) -> ItemSignal:
    """A scored item's signal from its ok samples.

    Uncertainty is the largest of: the standard deviation of the totals over ``SPREAD_FULL``
    (a spread of a quarter of the scale counts as fully unsure), twice the share of samples on
    the minority side of the cut-off (an even split is 1), and the share of answers that could
    not be read.
    With no usable answer at all it is 1: the judge said nothing a lead could accept.
    """
    asked = len(samples) + n_unparsable
    if not samples:
        return ItemSignal("", None, None, 0, n_unparsable, n_failed, None, 1.0 if asked else 0.0)
    totals = [s.score for s in samples]
    spread = statistics.pstdev(totals) if len(totals) > 1 else 0.0
    votes = [s.passed for s in samples if s.passed is not None]
    verdict = ""
    split = 0.0
    if votes:
        passes = sum(votes)
        verdict = "pass" if passes * 2 >= len(votes) else "fail"
        split = 2 * _minority(votes)
    unreadable = n_unparsable / asked
    uncertainty = min(1.0, max(spread / SPREAD_FULL, split, unreadable))
    return ItemSignal(
        verdict,
        statistics.fmean(totals),
        spread,
        len(samples),
        n_unparsable,
        n_failed,
        None,
        uncertainty,
    )


def pair_signal(
    *, forward: Sequence[str], reverse: Sequence[str], n_unparsable: int, n_failed: int
) -> ItemSignal:
    """A pair's signal from its ok choices in each order (already in the item's terms).

    The verdict is the most common choice when both orders share it, else none, as with
    ``pairwise_combine``. A position flip is recorded when the most common choice of one order
    differs from the other's (None when an order has no usable answer). Uncertainty is 1 for a
    flip or for a pair answered in one order only, else twice the share of answers off the
    most common choice, or the share that could not be read, whichever is larger.
    """
    choices = [*forward, *reverse]
    asked = len(choices) + n_unparsable
    if not choices:
        return ItemSignal("", None, None, 0, n_unparsable, n_failed, None, 1.0 if asked else 0.0)
    spread = _minority(choices)
    flip: bool | None = None
    verdict = ""
    if forward and reverse:
        first = Counter(forward).most_common(1)[0][0]
        second = Counter(reverse).most_common(1)[0][0]
        flip = first != second
        if not flip:
            verdict = first
    unreadable = n_unparsable / asked
    uncertainty = 1.0 if flip is not False else min(1.0, max(2 * spread, unreadable))
    return ItemSignal(
        verdict, None, spread, len(choices), n_unparsable, n_failed, flip, uncertainty
    )


def judges_disagree(signals: Iterable[ItemSignal]) -> bool:
    """Do several judges' signals on one item disagree?

    They do when two of them reach different verdicts, or when their mean scores lie at least
    ``DISAGREEMENT_GAP`` apart. A judge without a verdict does not count either way.
    """
    listed = list(signals)
    verdicts = {s.verdict for s in listed if s.verdict}
    if len(verdicts) > 1:
        return True
    scores = [s.score for s in listed if s.score is not None]
    return bool(scores) and max(scores) - min(scores) >= DISAGREEMENT_GAP
