"""From the database to ExportItems: which approved items an export takes, and as what.

This module is curation's entry point (``curated_items``) and its sessions; the rules and the
counts are in ``curation_rules``, the reading of chunks in ``curation_reading``, an item's
fields in ``curation_items`` and the DPO pairs in ``curation_pairs``.

Items are read in primary-key order, a chunk at a time (ids through ``.iterator()``, then one
query per related table for the chunk), so memory stays bounded whatever the project's size and
the same data always yields the same items in the same order. Final scores are the rule of
review.selectors.item_outcome (``final_scores`` over ``latest_adjudications``), fed here from rows
read a chunk at a time because the per-item selectors would cost several queries an item.
"""

from __future__ import annotations

from collections.abc import Iterator

from exports.items import ExportItem, SftSession
from exports.models import DpoSource
from exports.services.curation_items import Curating
from exports.services.curation_pairs import dpo_items
from exports.services.curation_reading import (
    CHUNK,
    _read_ahead,
    approved_items,
    chunks,
    read_chunk,
)
from exports.services.curation_rules import CurationRules, CurationStats, pseudonym_salt
from review.models import Item, Rewrite


def sft_items(*, rules: CurationRules, stats: CurationStats, salt: str) -> Iterator[SftSession]:
    items = approved_items(rules=rules, kind=Item.Kind.SESSION, stats=stats)
    run = Curating(rules=rules, stats=stats, salt=salt)
    ids = items.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK)
    for chunk_ids, chunk in _read_ahead(chunks(ids, CHUNK), read_chunk):
        for item_id in chunk_ids:
            if not run.scores_pass(chunk, item_id):
                continue
            session_id = chunk.items[item_id]["session_id"]
            base = run.fields(chunk, item_id, export_id=f"item-{item_id}")
            item = SftSession(turns=chunk.turns[session_id], **base)
            if run.kept(item, source="session"):
                yield item


def curated_items(
    *, rules: CurationRules, stats: CurationStats, salt: str | None = None
) -> Iterator[ExportItem]:
    problem = rules.problem()
    if problem:
        raise ValueError(problem)
    salt = salt or pseudonym_salt()
    if rules.kind == "sft":
        yield from sft_items(rules=rules, stats=stats, salt=salt)
    else:
        yield from dpo_items(rules=rules, stats=stats, salt=salt)


def curation_candidates(*, rules: CurationRules) -> int:
    """How many approved items curation will look at (the progress bar's total)."""
    items = Item.objects.filter(
        project_id__in=rules.project_ids, status=Item.Status.APPROVED, is_gold=False
    )
    if rules.kind == "sft":
        return items.filter(kind=Item.Kind.SESSION).count()
    count = 0
    if {DpoSource.PAIRWISE, DpoSource.IMPORTED, DpoSource.MARGINS} & set(rules.dpo_sources):
        count += items.filter(kind=Item.Kind.PAIR).count()
    if DpoSource.REWRITES in rules.dpo_sources:
        count += Rewrite.objects.filter(item__in=items.filter(kind=Item.Kind.SESSION)).count()
    return count
