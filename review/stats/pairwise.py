"""Pairwise comparisons (response A or B, a tie, or both bad): humans together and a judge.

A choice names a display slot ("A" is whichever response was shown first); ties are the choices
that prefer neither response, by default "tie" and "both_bad".
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from review.stats.frames import ratings_clean, shown
from review.stats.reliability import DEFAULT_BOOT, alpha_of_clean
from review.stats.results import (
    JudgePairwiseAlignment,
    PairwiseAgreement,
    PairwiseDisagreement,
    PositionConsistency,
)

TIES = ("tie", "both_bad")
SWAPPED = {"A": "B", "B": "A"}


def pairwise_agreement(
    *,
    choices: pd.DataFrame,
    ties: Collection[str] = TIES,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairwiseAgreement:
    """Nominal alpha on the choices plus percent agreement over every pair of raters per item."""
    frame = ratings_clean(ratings=choices, level="nominal", name="choices")
    alpha = alpha_of_clean(
        frame=frame,
        level="nominal",
        n_boot=n_boot,
        seed=seed,
        rng=np.random.default_rng(seed),
        confidence=confidence,
    )
    counts = pd.crosstab(frame["item"], frame["value"])
    tie_columns = [column for column in counts.columns if column in set(ties)]
    agree, pairs = _pair_counts(counts)
    decided = counts.drop(columns=tie_columns)
    agree_decided, pairs_decided = _pair_counts(decided)
    return PairwiseAgreement(
        alpha=alpha,
        agreement=agree / pairs if pairs else None,
        n_pairs=pairs,
        agreement_without_ties=agree_decided / pairs_decided if pairs_decided else None,
        n_pairs_without_ties=pairs_decided,
    )


def _pair_counts(counts: pd.DataFrame) -> tuple[int, int]:
    """Agreeing rater pairs and all rater pairs, summed over items (rows of vote counts)."""
    votes = counts.to_numpy(dtype=np.int64)
    per_item = votes.sum(axis=1)
    agreeing = int((votes * (votes - 1) // 2).sum())
    return agreeing, int((per_item * (per_item - 1) // 2).sum())


def judge_pairwise_alignment(
    *,
    choices: pd.DataFrame,
    judge: pd.DataFrame,
    ties: Collection[str] = TIES,
    top: int | None = None,
) -> JudgePairwiseAlignment:
    """Share of items where the judge picks the human majority, with and without ties.

    The majority is the most common human choice; items where two choices share the top count
    have none and are counted in `n_no_majority`. "Without ties" leaves out items where the
    majority or the judge chose a tie. `top` caps the list of disagreements (all by default).
    """
    frame = ratings_clean(ratings=choices, level="nominal", name="choices")
    verdicts = _judge_column(judge)
    counts = pd.crosstab(frame["item"], frame["value"])
    counts = counts.loc[counts.index.isin(verdicts.index)]
    top_count = counts.max(axis=1)
    unique_top = counts.eq(top_count, axis=0).sum(axis=1) == 1
    majority = counts.idxmax(axis=1)[unique_top]
    picked = verdicts.reindex(majority.index)
    agree = picked == majority
    decided = ~majority.isin(list(ties)) & ~picked.isin(list(ties))
    return JudgePairwiseAlignment(
        n_items=len(majority),
        n_no_majority=int((~unique_top).sum()),
        agreement=float(agree.mean()) if len(agree) else None,
        agreement_without_ties=float(agree[decided].mean()) if decided.any() else None,
        n_items_without_ties=int(decided.sum()),
        disagreements=_pair_disagreements(
            majority=majority,
            picked=picked,
            votes=top_count[unique_top],
            raters=counts.sum(axis=1)[unique_top],
            top=top,
        ),
    )


def _pair_disagreements(
    *, majority: pd.Series, picked: pd.Series, votes: pd.Series, raters: pd.Series, top: int | None
) -> tuple[PairwiseDisagreement, ...]:
    """Items where the judge went against the majority: the largest share of reviewers first,
    then the most reviewers, then by item, so the order never depends on the input's."""
    against = majority.index[(picked != majority).to_numpy()]
    rows = sorted(
        (
            PairwiseDisagreement(
                # A plain value, as the report is stored as JSON.
                item=item.item() if isinstance(item, np.generic) else item,
                majority=str(majority[item]),
                votes=int(votes[item]),
                n_raters=int(raters[item]),
                judge=str(picked[item]),
            )
            for item in against
        ),
        key=lambda row: (-row.votes / row.n_raters, -row.n_raters, str(row.item)),
    )
    return tuple(rows[:top] if top is not None else rows)


def _judge_column(judge: pd.DataFrame) -> pd.Series:
    for column in ("item", "value"):
        if column not in judge.columns:
            raise ValueError(f"judge: missing column {column}")
    answered = judge.loc[judge["value"].notna()]
    twice = answered["item"].duplicated()
    if twice.any():
        row = answered.index[twice.to_numpy().argmax()]
        raise ValueError(f"judge: row {shown(row)} repeats item {shown(answered.at[row, 'item'])}")
    return answered.set_index("item")["value"]


def judge_position_consistency(*, runs: pd.DataFrame) -> PositionConsistency:
    """How often the judge's choice survives swapping the two responses.

    `runs` has one row per item: `original` (the choice with the responses in their original
    order) and `swapped` (the choice with them swapped, so its "A" is the original "B").
    """
    for column in ("item", "original", "swapped"):
        if column not in runs.columns:
            raise ValueError(f"runs: missing column {column}")
    both = runs.dropna(subset=["original", "swapped"])
    unswapped = both["swapped"].map(lambda choice: SWAPPED.get(choice, choice))
    consistent = both["original"] == unswapped
    n_items = len(both)
    return PositionConsistency(
        n_items=n_items,
        n_consistent=int(consistent.sum()),
        consistency=float(consistent.mean()) if n_items else None,
        first_slot=int(((both["original"] == "A") & (both["swapped"] == "A")).sum()),
        second_slot=int(((both["original"] == "B") & (both["swapped"] == "B")).sum()),
    )
