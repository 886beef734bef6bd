"""The rubric version a review is scored against, with its groups and criteria.

Every scoring request needs the rubric's parts: the page lists them, the draft save and the
submission check and store against them. A published version is frozen for good
(``rubrics.services``), so its parts are read once per process and reused. The rubric row itself
is still read each time (mostly joined to the review or the project's settings), and the key
includes its ``published_at``, so a version removed and made again under the same id (SQLite
reuses ids between tests) is never taken for the old one.
Drafts are read afresh every time.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, prefetch_related_objects

from rubrics.models import Criterion, CriterionGroup, Rubric

# A handful of rubric versions are in use at any time; the bound only keeps a long-lived
# process from collecting every version it ever saw.
_PUBLISHED: dict[tuple[int, datetime], Rubric] = {}
_PUBLISHED_MAX = 64


def _parts() -> tuple[Prefetch, Prefetch]:
    return (
        Prefetch("groups", queryset=CriterionGroup.objects.order_by("position")),
        Prefetch("criteria", queryset=Criterion.objects.order_by("position")),
    )


def rubric_with_parts(*, rubric_id: int | None) -> Rubric | None:
    """The rubric with its groups and criteria prefetched in position order, or None.

    A published version comes back as the same shared instance on every call: read it, never
    change it.
    """
    if rubric_id is None:
        return None
    rubric = Rubric.objects.filter(pk=rubric_id).first()
    return None if rubric is None else rubric_parts_of(rubric=rubric)


def rubric_parts_of(*, rubric: Rubric) -> Rubric:
    """``rubric_with_parts`` for a rubric row already read (joined to a review, say)."""
    if rubric.status != Rubric.Status.PUBLISHED or rubric.published_at is None:
        prefetch_related_objects([rubric], *_parts())
        return rubric
    key = (rubric.pk, rubric.published_at)
    shared = _PUBLISHED.get(key)
    if shared is None:
        prefetch_related_objects([rubric], *_parts())
        if len(_PUBLISHED) >= _PUBLISHED_MAX:
            _PUBLISHED.clear()
        _PUBLISHED[key] = shared = rubric
    return shared
