"""Stored rewrites that still hold their original turn whole.

Before the rewrite box started empty, a reviewer who typed at once saved "their text + the
original"; rewrite_create now refuses such a text, and this finds the ones stored before, so
a lead can look at each (they reach DPO exports as chosen responses).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models import Project
from review.models import Rewrite
from review.services.rewrites import rewrite_contains_original


@dataclass(frozen=True)
class RewriteCheck:
    checked: int
    carrying: list[Rewrite]


def rewrites_carrying_original(*, project: Project | None = None) -> RewriteCheck:
    """Every stored rewrite (of one project, or all) that contains its original whole."""
    rewrites = Rewrite.objects.select_related(
        "item__project", "reviewer", "original", "rewrite"
    ).order_by("item__project_id", "item_id", "turn_index", "pk")
    if project is not None:
        rewrites = rewrites.filter(item__project=project)
    checked = 0
    carrying: list[Rewrite] = []
    for rewrite in rewrites.iterator(chunk_size=500):
        checked += 1
        if rewrite_contains_original(rewrite=rewrite.rewrite.text, original=rewrite.original.text):
            carrying.append(rewrite)
    return RewriteCheck(checked=checked, carrying=carrying)
