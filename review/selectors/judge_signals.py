"""A judge run's signals per item, for the project's leads (never for reviewers)."""

from __future__ import annotations

from dataclasses import dataclass

from review.judges.signals import judges_disagree
from review.models import JudgeItemSignal, JudgeRun
from review.selectors.triage import latest_signals, signal_as_item_signal


@dataclass(frozen=True)
class SignalRow:
    signal: JudgeItemSignal
    # Does this judge disagree with another judge's latest signal on the item? None: no other.
    judges_disagree: bool | None


def judge_run_signals(*, run: JudgeRun, limit: int | None = None) -> list[SignalRow]:
    """The run's signals, most uncertain first, each with whether other judges disagree."""
    rows = (
        JudgeItemSignal.objects.filter(run=run)
        .select_related("item")
        .order_by("-uncertainty", "item__position", "item_id")
    )
    if limit is not None:
        rows = rows[:limit]
    others = latest_signals(project=run.config.project, exclude_config_id=run.config_id)
    out = []
    for row in rows:
        theirs = others.get(row.item_id, [])
        judged = [s for s in theirs if s.n_ok]
        disagree = (
            judges_disagree([signal_as_item_signal(row), *judged]) if judged and row.n_ok else None
        )
        out.append(SignalRow(row, disagree))
    return out
