"""What a judge's latest run says about items nobody reviewed, for exports of judge-accepted items.

The run is the one triage reads: the judge's newest run that stored signals. Its answers are
those of the configuration as it stands (the settings fingerprint, which covers the model,
temperature, prompt version and language) given before the run ended; of an item's answers,
the newest prompt hash per order counts (the examples or the rubric's text may have changed
the prompt since older answers). Disagreement is worked out as on the signals page: the
judge's signal against the latest signals of the project's other judges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from review.judges.signals import judges_disagree
from review.models import JudgeConfig, JudgeItemSignal, JudgeResult, JudgeRun
from review.selectors.triage import latest_signals, signal_as_item_signal


def judge_latest_run(*, config: JudgeConfig) -> JudgeRun | None:
    """The judge's newest run that stored signals (the one triage ranks items by)."""
    return (
        JudgeRun.objects.filter(config=config)
        .filter(Exists(JudgeItemSignal.objects.filter(run_id=OuterRef("pk"))))
        .select_related("rubric")
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass
class JudgeItemView:
    """One item as the run sees it."""

    signal: JudgeItemSignal
    # Another judge's latest signal reaches another verdict, or a mean score 0.25 away.
    disagree: bool = False
    # order ("" scored, "ab", "ba") -> the ok answers that count, under the current settings.
    answers: dict[str, list[JudgeResult]] = field(default_factory=dict)


def judge_item_views(
    *, run: JudgeRun, item_ids: Iterable[int], settings_fingerprint: str
) -> dict[int, JudgeItemView]:
    """The run's view of each of ``item_ids`` it has a signal for."""
    ids = list(item_ids)
    views = {
        signal.item_id: JudgeItemView(signal)
        for signal in JudgeItemSignal.objects.filter(run=run, item_id__in=ids)
    }
    if not views:
        return views
    others = latest_signals(project=run.config.project, exclude_config_id=run.config_id)
    for item_id, view in views.items():
        theirs = [s for s in others.get(item_id, []) if s.n_ok]
        if theirs and view.signal.n_ok:
            view.disagree = judges_disagree([signal_as_item_signal(view.signal), *theirs])
    answers = JudgeResult.objects.filter(
        config_id=run.config_id,
        item_id__in=list(views),
        status=JudgeResult.Status.OK,
        settings_fingerprint=settings_fingerprint,
    ).select_related("rubric")
    if run.finished_at is not None:
        answers = answers.filter(updated_at__lte=run.finished_at)
    grouped: dict[tuple[int, str], list[JudgeResult]] = defaultdict(list)
    for answer in answers.order_by("updated_at", "pk"):
        if answer.order == "" and answer.rubric_id != run.rubric_id:
            continue
        grouped[(answer.item_id, answer.order)].append(answer)
    for (item_id, order), listed in grouped.items():
        newest = listed[-1].prompt_hash
        views[item_id].answers[order] = [a for a in listed if a.prompt_hash == newest]
    return views
