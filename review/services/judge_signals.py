"""Judge signals on the database: one row per item and run, from the answers the run covers.

A run's signals use every answer its questions have, whether the run asked them or reused them
from an earlier run, so a rerun that asks nothing new still says how sure the judge is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from review.judges.signals import ItemSignal, ScoreSample, pair_signal, score_signal
from review.models import Item, JudgeItemSignal, JudgeResult, JudgeRun
from rubrics.scoring import RubricScore, ScoreError, rubric_score

_FAILED = (JudgeResult.Status.REFUSED, JudgeResult.Status.ERROR)


def _unit(score: RubricScore) -> float | None:
    """A rubric total on 0..1 (its minimum to its maximum)."""
    if score.total is None or score.maximum == score.minimum:
        return None
    return float((score.total - score.minimum) / (score.maximum - score.minimum))


def _score_sample(result: JudgeResult) -> ScoreSample | None:
    if result.rubric is None:
        return None
    try:
        score = rubric_score(rubric=result.rubric, scores=result.scores)
    except ScoreError:
        return None
    unit = _unit(score)
    return None if unit is None else ScoreSample(score=unit, passed=score.passed)


def item_signal_from(*, kind: str, results: Iterable[JudgeResult]) -> ItemSignal:
    """One item's signal from one judge's answers to it (any order, any sample)."""
    listed = list(results)
    unparsable = sum(r.status == JudgeResult.Status.UNPARSABLE for r in listed)
    failed = sum(r.status in _FAILED for r in listed)
    ok = [r for r in listed if r.status == JudgeResult.Status.OK]
    if kind == Item.Kind.PAIR:
        return pair_signal(
            forward=[r.choice for r in ok if r.order == "ab" and r.choice],
            reverse=[r.choice for r in ok if r.order == "ba" and r.choice],
            n_unparsable=unparsable,
            n_failed=failed,
        )
    samples = [s for s in (_score_sample(r) for r in ok) if s is not None]
    return score_signal(samples=samples, n_unparsable=unparsable, n_failed=failed)


def judge_signals_store(*, run: JudgeRun, questions: Iterable[Any]) -> int:
    """Store the signal of every item the run's questions cover; returns how many."""
    fingerprints = {q.fingerprint for q in questions}
    results: dict[int, list[JudgeResult]] = defaultdict(list)
    kinds: dict[int, str] = {}
    answers = (
        JudgeResult.objects.filter(config=run.config, fingerprint__in=fingerprints)
        .select_related("rubric", "item")
        .prefetch_related("rubric__criteria", "rubric__groups")
    )
    for result in answers:
        results[result.item_id].append(result)
        kinds[result.item_id] = result.item.kind
    rows = []
    for item_id, listed in results.items():
        signal = item_signal_from(kind=kinds[item_id], results=listed)
        rows.append(
            JudgeItemSignal(
                run=run,
                item_id=item_id,
                verdict=signal.verdict,
                score=signal.score,
                spread=signal.spread,
                n_ok=signal.n_ok,
                n_unparsable=signal.n_unparsable,
                n_failed=signal.n_failed,
                position_flip=signal.position_flip,
                uncertainty=signal.uncertainty,
            )
        )
    with transaction.atomic():
        JudgeItemSignal.objects.filter(run=run).delete()
        JudgeItemSignal.objects.bulk_create(rows)
    return len(rows)
