"""Groups of related items, which must never straddle splits.

Two items are related when they share a source session, the same client speech, the same
client thought or persona, or are near-duplicates of each other; relatedness is transitive, so
the groups are the connected components of those links (a union-find, run by scipy in C).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from exports.splitting.minhash import NearDuplicateSettings, SignatureBuilder, near_duplicate_pairs
from exports.splitting.normalize import text_key

LINK_REASONS = ("session", "speech", "persona", "near_duplicate")


@dataclass(frozen=True)
class Grouping:
    """Items (in the order they were added), their weights, strata and groups.

    ``group_ids`` are the smallest item id of each group, sorted, so a group's name and index
    do not depend on the order the items arrived in.
    """

    item_ids: list[str]
    weights: np.ndarray  # rows each item gives
    strata: list[tuple[str, str]]  # (source, language), sorted
    stratum_of_item: np.ndarray
    group_ids: list[str]
    group_of_item: np.ndarray
    links: dict[str, np.ndarray]  # reason -> (k, 2) pairs of item indexes

    @property
    def group_count(self) -> int:
        return len(self.group_ids)


class GroupingBuilder:
    """Takes items one at a time (keeping only keys and signatures) and builds the groups."""

    def __init__(self, *, near_duplicates: NearDuplicateSettings) -> None:
        self.near_duplicates = near_duplicates
        self._signatures = SignatureBuilder(near_duplicates)
        self._item_ids: list[str] = []
        self._index_of: dict[str, int] = {}
        self._weights: list[int] = []
        self._strata: dict[tuple[str, str], int] = {}
        self._stratum_of_item: list[int] = []
        self._first: dict[str, dict[object, int]] = {reason: {} for reason in LINK_REASONS}
        self._links: dict[str, list[tuple[int, int]]] = {reason: [] for reason in LINK_REASONS}

    def add(
        self,
        *,
        item_id: str,
        source: str,
        language: str,
        weight: int,
        text: str,
        session_id: str | None = None,
        speech: str | None = None,
        persona: str | None = None,
        links: Sequence[tuple[str, str]] = (),
    ) -> None:
        if item_id in self._index_of:
            raise ValueError(f"item {item_id!r} appears twice")
        index = len(self._item_ids)
        self._index_of[item_id] = index
        self._item_ids.append(item_id)
        self._weights.append(weight)
        stratum = self._strata.setdefault((source, language), len(self._strata))
        self._stratum_of_item.append(stratum)
        self._link("session", session_id or None, index)
        self._link("speech", text_key(speech) if speech else None, index)
        persona_key = text_key(persona) if persona else None
        self._link("persona", persona_key, index)
        for reason, key in links:
            if reason not in ("session", "persona"):
                raise ValueError(f"item {item_id!r}: unknown link kind {reason!r}")
            linked: object = key
            if reason == "persona":
                # Curation links every persona field, the first of which is the persona.
                linked = persona_key if key == persona else text_key(key)
            # A key that normalises to nothing (punctuation only) relates nothing.
            self._link(reason, linked or None, index)
        self._signatures.add(text)

    def _link(self, reason: str, key: object, index: int) -> None:
        if key is None:
            return
        first = self._first[reason].setdefault(key, index)
        if first != index:
            self._links[reason].append((first, index))

    def close(self) -> None:
        """Release what an unfinished grouping holds (finish() does it too)."""
        self._signatures.close()

    def finish(self) -> Grouping:
        count = len(self._item_ids)
        if not count:
            raise ValueError("nothing to export: no items")
        links = {
            reason: np.array(pairs, dtype=np.int64).reshape(-1, 2)
            for reason, pairs in self._links.items()
        }
        links["near_duplicate"] = near_duplicate_pairs(
            signatures=self._signatures.finish(), settings=self.near_duplicates
        )
        edges = np.concatenate(list(links.values()))
        graph = coo_matrix(
            (np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(count, count)
        )
        _, labels = connected_components(graph, directed=False)
        smallest: dict[int, str] = {}
        for item_id, label in zip(self._item_ids, labels.tolist(), strict=True):
            if label not in smallest or item_id < smallest[label]:
                smallest[label] = item_id
        group_ids = sorted(smallest.values())
        rank = {group_id: position for position, group_id in enumerate(group_ids)}
        by_label = np.zeros(len(smallest), dtype=np.int64)
        for label, group_id in smallest.items():
            by_label[label] = rank[group_id]
        # Strata get indexes in sorted order, so reports list them the same way every time.
        strata = sorted(self._strata)
        remap = np.zeros(len(strata), dtype=np.int64)
        for position, stratum in enumerate(strata):
            remap[self._strata[stratum]] = position
        return Grouping(
            item_ids=self._item_ids,
            weights=np.array(self._weights, dtype=np.int64),
            strata=strata,
            stratum_of_item=remap[np.array(self._stratum_of_item, dtype=np.int64)],
            group_ids=group_ids,
            group_of_item=by_label[labels],
            links=links,
        )
