"""An LLM judge's scores against the human reviewers' on one criterion."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from review.stats.frames import ratings_clean
from review.stats.reliability import DEFAULT_BOOT, alpha_of_clean
from review.stats.results import (
    AlphaResult,
    ConfusionMatrix,
    Disagreement,
    JudgeAlignment,
    Level,
)

Floats = npt.NDArray[np.float64]


class _JudgeRater:
    """A rater id no reviewer can have, for the judge when it joins the humans."""

    def __repr__(self) -> str:
        return "the judge"


_JUDGE = _JudgeRater()


def kappa_quadratic(*, first: npt.ArrayLike, second: npt.ArrayLike) -> float | None:
    """Cohen's kappa with quadratic weights between two numeric ratings of the same items.

    Weights are squared differences of the values themselves, so a scale with a step other than
    one, or with unused values, weighs disagreements by how far apart the scores are. None when
    there is nothing to disagree about (both raters always gave the same single value).
    """
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("kappa_quadratic needs two one-dimensional arrays of equal length")
    if not len(a):
        return None
    labels, codes = np.unique(np.concatenate([a, b]), return_inverse=True)
    size = len(labels)
    tally = np.bincount(codes[: len(a)] * size + codes[len(a) :], minlength=size * size)
    observed = tally.reshape(size, size) / len(a)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    weights = (labels[:, None] - labels[None, :]) ** 2
    chance = float((weights * expected).sum())
    if chance == 0:
        return None
    return 1 - float((weights * observed).sum()) / chance


def judge_alignment(
    *,
    ratings: pd.DataFrame,
    judge: pd.DataFrame,
    level: Level,
    step: float = 1.0,
    top: int = 20,
    n_boot: int = DEFAULT_BOOT,
    seed: int = 0,
    confidence: float = 0.95,
) -> JudgeAlignment:
    """Alpha with and without the judge, and the judge against the human median.

    `ratings` are the humans' (item, rater, value), `judge` the judge's (item, value), both for
    one criterion. The human median is rounded to the nearest multiple of `step` (halves go to
    the even multiple, so rounding favours neither direction) for kappa and the confusion matrix;
    Spearman's rho and the error use it unrounded. `top` caps the list of disagreements.
    """
    humans = ratings_clean(ratings=ratings, level=level)
    verdicts = ratings_clean(ratings=judge.assign(rater=_JUDGE), level=level, name="judge")
    numeric = ratings_clean(ratings=humans, level="interval")
    verdicts_numeric = ratings_clean(ratings=verdicts, level="interval", name="judge")

    # Both alphas use the same items, judged and rated by two or more humans, so the only
    # difference between them is the judge's ratings.
    judged = humans.loc[humans["item"].isin(set(verdicts["item"]))]
    per_item = judged["item"].value_counts()
    panel = judged.loc[judged["item"].isin(set(per_item.index[per_item >= 2]))]
    with_judge = pd.concat([panel, verdicts.loc[verdicts["item"].isin(set(panel["item"]))]])

    def alpha(frame: pd.DataFrame) -> AlphaResult:
        return alpha_of_clean(
            frame=frame,
            level=level,
            n_boot=n_boot,
            seed=seed,
            rng=np.random.default_rng(seed),
            confidence=confidence,
        )

    summary = numeric.groupby("item")["value"].agg(["median", "mean"])
    scores = verdicts_numeric.set_index("item")["value"]
    table = summary.join(scores.rename("judge"), how="inner")
    difference = table["judge"] - table["median"]
    rounded = (table["median"] / step).round() * step
    return JudgeAlignment(
        n_items=len(table),
        humans=alpha(panel),
        with_judge=alpha(with_judge),
        spearman=_spearman(table["judge"].to_numpy(), table["median"].to_numpy()),
        kappa=kappa_quadratic(first=table["judge"], second=rounded),
        mean_abs_error=float(difference.abs().mean()) if len(table) else None,
        bias=float((table["judge"] - table["mean"]).mean()) if len(table) else None,
        confusion=_confusion(table["judge"].to_numpy(), rounded.to_numpy()),
        disagreements=_worst(table, difference, top=top),
    )


def _spearman(first: Floats, second: Floats) -> float | None:
    # Two points always correlate perfectly, and a constant has no ranks to correlate.
    if len(first) < 3 or np.ptp(first) == 0 or np.ptp(second) == 0:
        return None
    # Imported here: scipy.stats weighs about 40 MB, which every worker and every export
    # carried from start-up (the app registry imports this module) for this one call.
    from scipy import stats

    return float(stats.spearmanr(first, second).statistic)


def _confusion(judge: Floats, human: Floats) -> ConfusionMatrix:
    labels, codes = np.unique(np.concatenate([judge, human]), return_inverse=True)
    size = len(labels)
    counts = np.bincount(codes[: len(judge)] * size + codes[len(judge) :], minlength=size * size)
    grid = counts.reshape(size, size)
    return ConfusionMatrix(
        labels=tuple(float(label) for label in labels),
        counts=tuple(tuple(int(cell) for cell in row) for row in grid),
    )


def _worst(table: pd.DataFrame, difference: pd.Series, *, top: int) -> tuple[Disagreement, ...]:
    ranked = difference[difference != 0].abs().sort_values(ascending=False, kind="stable")
    return tuple(
        Disagreement(
            item=item,
            human_median=float(table.at[item, "median"]),
            judge=float(table.at[item, "judge"]),
            difference=float(difference.at[item]),
        )
        for item in ranked.index[:top]
    )
