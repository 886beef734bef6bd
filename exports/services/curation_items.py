"""The fields of an export item, from a chunk's rows: scores and the score rules, reviewer
pseudonyms, persona, links to related items, and the system prompt.

``Curating`` is the public face of this module: one curation run's rules, counts, pseudonym key
and rubrics, and what each reader of items (sessions, pairs, rewrites, judge-accepted items)
asks of it: whether an item's scores pass, its fields, and whether it is kept.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from exports.items import ExportItem, item_check
from exports.models import SystemPromptMode
from exports.pseudonyms import reviewer_pseudonym
from exports.services.curation_reading import Chunk
from exports.services.curation_rules import CurationRules, CurationStats
from review.models import (
    Item,
)
from review.services.approval import item_final_total
from rubrics.models import Rubric
from rubrics.scoring import ScoreError, rubric_score


@functools.lru_cache(maxsize=4096)
def _pseudonym(reviewer_id: int, salt: str) -> str:
    # A project has few reviewers and many items: one HMAC per reviewer, not per review.
    return reviewer_pseudonym(reviewer_id=reviewer_id, salt=salt)


@functools.lru_cache(maxsize=4096)
def _shown_score(value: float) -> str:
    return number_text(Decimal(str(value)))


def number_text(value: Decimal) -> str:
    """A score as the distributions show it: 3, 3.5, never 3.000."""
    return format(Decimal(value).normalize(), "f")


class RubricCache:
    def __init__(self) -> None:
        self._rubrics: dict[int, Rubric] = {}

    def get(self, rubric_id: int) -> Rubric:
        if rubric_id not in self._rubrics:
            self._rubrics[rubric_id] = Rubric.objects.prefetch_related("criteria", "groups").get(
                pk=rubric_id
            )
        return self._rubrics[rubric_id]

    def label(self, rubric_id: int | None) -> str | None:
        return str(self.get(rubric_id)) if rubric_id else None


def _scores_pass(
    *,
    rules: CurationRules,
    item_id: int,
    chunk: Chunk,
    rubrics: RubricCache,
    stats: CurationStats,
) -> bool:
    scores = chunk.final_scores.get(item_id, {})
    for code, bar in sorted(rules.min_scores.items()):
        value = scores.get(code)
        if value is None or value < bar:
            shown = "—" if value is None else number_text(value)
            stats.leave_out(f"{code} below {number_text(bar)}", f"item {item_id}: {code} = {shown}")
            return False
    if rules.min_total is not None:
        total = chunk.adjudicated_total.get(item_id)
        rubric_id = chunk.rubrics.get(item_id)
        if total is None and rubric_id:
            rubric = rubrics.get(rubric_id)
            filled = {c.code: scores.get(c.code) for c in rubric.criteria.all()}
            try:
                total = rubric_score(rubric=rubric, scores=filled).total
            except ScoreError:
                # A median between two scale steps (scores 3 and 4 give 3.5): approval's rule
                # then takes the median of the reviews' own totals, and so must curation, or
                # an item approved for its total would be left out for it. Rare, so the
                # per-item queries do not matter.
                total = item_final_total(item=Item.objects.get(pk=item_id))
        if total is None or total < rules.min_total:
            shown = "—" if total is None else number_text(total)
            stats.leave_out(
                f"total below {number_text(rules.min_total)}", f"item {item_id}: total = {shown}"
            )
            return False
    return True


def _system_prompt(rules: CurationRules, metadata: dict[str, Any]) -> str | None:
    if rules.system_prompt_mode == SystemPromptMode.FIXED:
        return rules.system_prompt_text or None
    if rules.system_prompt_mode == SystemPromptMode.INTAKE:
        parts = []
        intake = metadata.get("intake_form")
        plan = metadata.get("cbt_plan")
        technique = metadata.get("cbt_technique")
        if intake:
            parts.append(f"Client intake form:\n{_text(intake)}")
        if technique:
            parts.append(f"CBT technique: {_text(technique)}")
        if plan:
            parts.append(f"CBT plan:\n{_text(plan)}")
        if parts:
            return "You are a counselor using cognitive behavioral therapy.\n\n" + "\n\n".join(
                parts
            )
    return None


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "\n".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


PERSONA_FIELDS = ("thought", "persona", "intake_form")


def _persona(metadata: dict[str, Any]) -> str | None:
    """The client thought or persona items are generated from: one group per persona."""
    for key in PERSONA_FIELDS:
        value = metadata.get(key)
        if value:
            return _text(value)
    return None


def _links(session: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Keys that relate this item to others whatever project or import they came from.

    The same source record imported twice (into two projects of one specification, or again
    after an edit) has two database rows: its source id or content hash still links them.
    Every persona field gives its own key, so two sessions sharing an intake form stay
    together even when one of them also has a thought.
    """
    links: list[tuple[str, str]] = []
    if session.get("source_id"):
        links.append(("session", f"source:{session['source_format']}:{session['source_id']}"))
    if session.get("content_hash"):
        links.append(("session", f"content:{session['content_hash']}"))
    metadata = session["metadata"] or {}
    for key in PERSONA_FIELDS:
        value = metadata.get(key)
        if value:
            links.append(("persona", _text(value)))
    return tuple(links)


def _checked(item: ExportItem, stats: CurationStats) -> ExportItem | None:
    try:
        item_check(item=item)
    except ValueError as error:
        stats.leave_out("cannot become a training row", str(error))
        return None
    return item


def _count(stats: CurationStats, item: ExportItem, *, source: str) -> None:
    stats.kept += 1
    stats.sources[source] += 1
    for code, value in item.scores.items():
        stats.scores[code][_shown_score(value)] += 1


@dataclass
class Curating:
    """One curation run: its rules, its counts, the pseudonyms' key and the rubrics read."""

    rules: CurationRules
    stats: CurationStats
    salt: str
    rubrics: RubricCache = field(default_factory=RubricCache)

    def scores_pass(self, chunk: Chunk, item_id: int) -> bool:
        """Whether the item's final scores meet the score rules (counted when not)."""
        return _scores_pass(
            rules=self.rules, item_id=item_id, chunk=chunk, rubrics=self.rubrics, stats=self.stats
        )

    def fields(
        self,
        chunk: Chunk,
        item_id: int,
        *,
        export_id: str,
        reviewers: Sequence[int] | None = None,
        agreement: float | None = None,
        rubric_id: int | None = None,
    ) -> dict[str, Any]:
        """The fields every kind of export item shares, from the chunk's rows."""
        row = chunk.items[item_id]
        session = chunk.sessions[row["session_id"]]
        metadata = session["metadata"] or {}
        scores = {
            code: float(value)
            for code, value in chunk.final_scores.get(item_id, {}).items()
            if value is not None
        }
        people = chunk.reviewers.get(item_id, []) if reviewers is None else reviewers
        return {
            "item_id": export_id,
            "source": session["source_format"],
            "language": session["language"],
            "session_id": f"session-{row['session_id']}",
            "persona": _persona(metadata),
            "links": _links(session),
            "rubric_version": self.rubrics.label(rubric_id or chunk.rubrics.get(item_id)),
            "scores": scores,
            "agreement": agreement if agreement is not None else chunk.agreement.get(item_id),
            "reviewers": tuple(_pseudonym(r, self.salt) for r in people),
            "system_prompt": _system_prompt(self.rules, metadata),
        }

    def kept(self, item: ExportItem, *, source: str) -> bool:
        """Whether the item can become training rows; counted as kept from ``source`` if so,
        as left out with the reason if not."""
        if _checked(item, self.stats) is None:
            return False
        _count(self.stats, item, source=source)
        return True
