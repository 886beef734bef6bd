"""The review app's models, one module a concern; import them from here.

- setup.py: how a project is reviewed: its task kinds and review settings.
- work.py: what reviewers do: items, assignments, reviews and scores, pairwise judgments,
  rewrites, revisions, adjudications and calibration waivers.
- judges.py: LLM judge configurations, runs and their results, item signals, external ratings
  and agreement snapshots.
- triage.py: the triage rank that orders a project's queue.

Django loads this package as the app's models module, so every model is re-exported here.
"""

from review.models.judges import (
    AgreementSnapshot,
    ExternalRating,
    JudgeConfig,
    JudgeItemSignal,
    JudgeLanguage,
    JudgeResult,
    JudgeRun,
)
from review.models.setup import ReviewSettings, TaskKind
from review.models.triage import TriageBand, TriageRank
from review.models.work import (
    Adjudication,
    Assignment,
    CalibrationWaiver,
    Choice,
    Item,
    PairwiseJudgment,
    Review,
    ReviewFlag,
    ReviewRevision,
    Rewrite,
    Score,
)

__all__ = [
    "Adjudication",
    "AgreementSnapshot",
    "Assignment",
    "CalibrationWaiver",
    "Choice",
    "ExternalRating",
    "Item",
    "JudgeConfig",
    "JudgeItemSignal",
    "JudgeLanguage",
    "JudgeResult",
    "JudgeRun",
    "PairwiseJudgment",
    "Review",
    "ReviewFlag",
    "ReviewRevision",
    "ReviewSettings",
    "Rewrite",
    "Score",
    "TaskKind",
    "TriageBand",
    "TriageRank",
]
