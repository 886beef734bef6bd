"""The triage plan of a project: which band each item falls in, and how many each band holds.

The plan is read from the latest signals of every judge of the project (the newest finished
run of each judge that stored signals) and the project's control share. The lead sees the counts
on the settings page before choosing the triage order; the service keeps the stored ranking the
queue reads (``review.services.triage``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from core.models import Project
from dialogues.models import Flag
from review.judges.signals import UNSURE_FROM, ItemSignal, judges_disagree
from review.models import Item, JudgeItemSignal, JudgeRun
from review.models.triage import TriageBand
from review.selectors.access import review_settings_for
from review.selectors.item_outcome import FINAL_STATUSES


@dataclass(frozen=True)
class TriagePlace:
    band: int
    priority: float
    control: bool


def open_crisis_flag() -> Exists:
    """True for an item whose session has an open crisis flag (use in an annotation)."""
    return Exists(
        Flag.objects.filter(
            session_id=OuterRef("session_id"), kind=Flag.Kind.CRISIS, status=Flag.Status.OPEN
        )
    )


def signal_as_item_signal(row: JudgeItemSignal) -> ItemSignal:
    """A stored signal in the calling layer's terms, for comparing judges."""
    return ItemSignal(
        verdict=row.verdict,
        score=row.score,
        spread=row.spread,
        n_ok=row.n_ok,
        n_unparsable=row.n_unparsable,
        n_failed=row.n_failed,
        position_flip=row.position_flip,
        uncertainty=row.uncertainty,
    )


def in_control_slice(*, project_id: int, item_id: int, share: Decimal | float) -> bool:
    """Is the item drawn into the control slice?

    The draw is a hash of the project and the item, never anything the judges said, so the
    slice is a random sample of every item; raising the share keeps every item already drawn.
    """
    digest = hashlib.sha256(f"triage-control:{project_id}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < float(share)


def latest_signals(
    *, project: Project, exclude_config_id: int | None = None
) -> dict[int, list[ItemSignal]]:
    """Each item's signals, one per judge: from that judge's newest run that stored any."""
    latest: dict[int, int] = {}
    runs = (
        JudgeRun.objects.filter(config__project=project)
        .exclude(config_id=exclude_config_id)
        .filter(Exists(JudgeItemSignal.objects.filter(run_id=OuterRef("pk"))))
        .order_by("created_at", "pk")
        .values_list("pk", "config_id")
    )
    for run_id, config_id in runs:
        latest[config_id] = run_id
    by_item: dict[int, list[ItemSignal]] = defaultdict(list)
    for row in JudgeItemSignal.objects.filter(run_id__in=list(latest.values())):
        by_item[row.item_id].append(signal_as_item_signal(row))
    return by_item


def triage_place(*, signals: list[ItemSignal], control: bool, crisis: bool = False) -> TriagePlace:
    """Where one item goes: the one rule the queue, the settings page and the bench share."""
    if crisis:
        return TriagePlace(TriageBand.CRISIS, 1.0, control)
    judged = [s for s in signals if s.n_ok or s.n_unparsable]
    if not judged:
        return TriagePlace(TriageBand.UNJUDGED, 0.0, control)
    priority = max(s.uncertainty for s in judged)
    if len(judged) > 1 and judges_disagree(judged):
        priority = 1.0
    if priority >= UNSURE_FROM:
        return TriagePlace(TriageBand.UNSURE, priority, control)
    if control:
        return TriagePlace(TriageBand.CONTROL, priority, control)
    return TriagePlace(TriageBand.CONFIDENT, priority, control)


def _open_items(project: Project) -> QuerySet[Item]:
    return Item.objects.filter(project=project, is_gold=False).exclude(status__in=FINAL_STATUSES)


def triage_plan(
    *, project: Project, control_share: Decimal | None = None, with_crisis: bool = True
) -> dict[int, TriagePlace]:
    """Every open item's place: crisis as the flags stand now, or (``with_crisis`` off, for
    the stored ranking, where the queue reads the flags itself) the band it would have."""
    share = (
        review_settings_for(project=project).triage_control_share
        if control_share is None
        else control_share
    )
    signals = latest_signals(project=project)
    plan = {}
    for item_id, crisis in (
        _open_items(project).annotate(crisis=open_crisis_flag()).values_list("pk", "crisis")
    ):
        plan[item_id] = triage_place(
            signals=signals.get(item_id, []),
            control=in_control_slice(project_id=project.pk, item_id=item_id, share=share),
            crisis=crisis and with_crisis,
        )
    return plan


@dataclass(frozen=True)
class BandCount:
    band: int
    label: str
    items: int


def triage_band_counts(
    *, project: Project, control_share: Decimal | None = None
) -> list[BandCount]:
    """How many open items each band holds, in queue order (for the lead, before switching)."""
    counts = dict.fromkeys(TriageBand.values, 0)
    for place in triage_plan(project=project, control_share=control_share).values():
        counts[place.band] += 1
    return [
        BandCount(band, str(TriageBand(band).label), counts[band]) for band in TriageBand.values
    ]
