"""Agreement statistics: pure functions over long-format rating tables.

Services pass pandas DataFrames with one row per rating (item, rater, value, and optionally
criterion and created_at) and get small frozen dataclasses back; nothing here touches the
database. docs/agreement.md explains each statistic and how to read it.
"""

from review.stats.judges import judge_alignment, kappa_quadratic
from review.stats.pairwise import (
    TIES,
    judge_pairwise_alignment,
    judge_position_consistency,
    pairwise_agreement,
)
from review.stats.reliability import (
    alpha_by_criterion,
    alpha_by_week,
    alpha_estimate,
    composite_build,
)
from review.stats.results import (
    LEVELS,
    MAX_DROPPED_SHARE,
    MIN_ITEMS,
    MIN_RATINGS_PER_ITEM,
    AlphaResult,
    Caution,
    ConfusionMatrix,
    Disagreement,
    JudgeAlignment,
    JudgePairwiseAlignment,
    Level,
    PairwiseAgreement,
    PositionConsistency,
    ReviewerAgreement,
    Undefined,
    WeeklyAlpha,
)
from review.stats.reviewers import reviewer_agreement

__all__ = [
    "LEVELS",
    "MAX_DROPPED_SHARE",
    "MIN_ITEMS",
    "MIN_RATINGS_PER_ITEM",
    "TIES",
    "AlphaResult",
    "Caution",
    "ConfusionMatrix",
    "Disagreement",
    "JudgeAlignment",
    "JudgePairwiseAlignment",
    "Level",
    "PairwiseAgreement",
    "PositionConsistency",
    "ReviewerAgreement",
    "Undefined",
    "WeeklyAlpha",
    "alpha_by_criterion",
    "alpha_by_week",
    "alpha_estimate",
    "composite_build",
    "judge_alignment",
    "judge_pairwise_alignment",
    "judge_position_consistency",
    "kappa_quadratic",
    "pairwise_agreement",
    "reviewer_agreement",
]
