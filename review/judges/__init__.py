"""LLM judges: configure a judge, build its prompt from a rubric, call it, read its answer.

This package is the calling layer only; judge configurations, runs and stored answers are
models built on top of it. The public surface:

- :class:`JudgeSettings` (endpoint.py): one judge's endpoint, model and calling parameters.
- :class:`JudgeRubric`, :class:`JudgeCriterion`, :class:`ScoreRequest`,
  :class:`PairwiseRequest` (inputs.py): what a judge is asked about.
- :func:`judge_many` (runner.py): a concurrent, cancellable run delivering
  :class:`JudgeAnswer` objects (answers.py) one at a time.
- :func:`judge_pair`, :func:`pairwise_both_orders`, :func:`pairwise_combine` (both_orders.py):
  both-orders pairwise judging and position consistency.
"""

from review.judges.answers import JudgeAnswer, JudgeAttempt
from review.judges.both_orders import (
    PairwiseOutcome,
    judge_pair,
    pairwise_both_orders,
    pairwise_combine,
)
from review.judges.calling import JudgeCancelled, judge_call, judge_client
from review.judges.endpoint import JudgeConfigError, JudgeSettings
from review.judges.inputs import (
    JudgeCriterion,
    JudgeRubric,
    JudgeTurn,
    PairwiseRequest,
    ScoreRequest,
)
from review.judges.runner import JudgeRunSummary, judge_many

__all__ = [
    "JudgeAnswer",
    "JudgeAttempt",
    "JudgeCancelled",
    "JudgeConfigError",
    "JudgeCriterion",
    "JudgeRubric",
    "JudgeRunSummary",
    "JudgeSettings",
    "JudgeTurn",
    "PairwiseOutcome",
    "PairwiseRequest",
    "ScoreRequest",
    "judge_call",
    "judge_client",
    "judge_many",
    "judge_pair",
    "pairwise_both_orders",
    "pairwise_combine",
]
