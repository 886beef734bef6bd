"""The rubric version a review is scored against, with its groups and criteria.

Every scoring request needs the rubric's parts: the page lists them, the draft save and the
submission check and store against them. A published version is frozen for good
(``rubrics.services``), so its parts are read once per process and reused. The rubric row itself
is still read each time, and the key includes its ``published_at``, so a version removed and
made again under the same id (SQLite reuses ids between tests) is never taken for the old one.
Drafts are read afresh every time.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch

from rubrics.models import Criterion, CriterionGroup, Rubric

# A handful of rubric versions are in use at any time; the bound only keeps a long-lived
# process from collecting every version it ever saw.
_PUBLISHED: dict[tuple[int, datetime], Rubric] = {}
_PUBLISHED_MAX = 64


def _load(rubric_id: int) -> Rubric | None:
    return (
        Rubric.objects.filter(pk=rubric_id)
        .prefetch_related(
            Prefetch("groups", queryset=CriterionGroup.objects.order_by("position")),
            Prefetch("criteria", queryset=Criterion.objects.order_by("position")),
        )
        .first()
    )


def rubric_with_parts(*, rubric_id: int | None) -> Rubric | None:
    """The rubric with its groups and criteria prefetched in position order, or None.

    A published version comes back as the same shared instance on every call: read it, never
    change it.
    """
    if rubric_id is None:
        return None
    row = Rubric.objects.filter(pk=rubric_id).values_list("status", "published_at").first()
    if row is None:
        return None
    status, published_at = row
    if status != Rubric.Status.PUBLISHED or published_at is None:
        return _load(rubric_id)
    key = (rubric_id, published_at)
    rubric = _PUBLISHED.get(key)
    if rubric is None:
        rubric = _load(rubric_id)
        if rubric is None:
            return None
        if len(_PUBLISHED) >= _PUBLISHED_MAX:
            _PUBLISHED.clear()
        _PUBLISHED[key] = rubric
    return rubric
