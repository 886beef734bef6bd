"""The rules of an export's curation as plain values, and what curation kept and left out.

``CurationRules`` is what the manifest records of a specification's rules; ``CurationStats``
counts what each rule left out, for the version's summary. Rules that cannot be applied as
written are refused before anything is read (``rules_problem``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.models import Project
from exports.models import DpoSource, ExportSpecification, SystemPromptMode, TiePolicy
from review.models import (
    ReviewFlag,
)

# Left-out examples kept for the summary (the counts are complete).
EXAMPLES_KEPT = 20


def pseudonym_salt() -> str:
    """The key of reviewer pseudonyms: its own setting, else one derived from SECRET_KEY (so
    the secret itself never keys anything that is published)."""
    if settings.EXPORT_PSEUDONYM_SALT:
        return str(settings.EXPORT_PSEUDONYM_SALT)
    return hmac.new(
        settings.SECRET_KEY.encode(), b"rapport.exports.pseudonyms", hashlib.sha256
    ).hexdigest()


@dataclass(frozen=True)
class CurationRules:
    """The rules of a specification as plain values (what the manifest records)."""

    project_ids: tuple[int, ...]
    kind: str
    min_total: Decimal | None = None
    min_scores: dict[str, Decimal] = field(default_factory=dict)
    min_reviewers: int = 1
    min_agreement: dict[str, float] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    source_formats: tuple[str, ...] = ()
    dpo_sources: tuple[str, ...] = (DpoSource.PAIRWISE, DpoSource.REWRITES)
    tie_policy: str = TiePolicy.DROP
    margin_threshold: Decimal = Decimal(1)
    system_prompt_mode: str = SystemPromptMode.NONE
    system_prompt_text: str = ""
    # (id, slug) of each project, for the manifest; empty when only ids were given.
    projects: tuple[tuple[int, str], ...] = ()

    @classmethod
    def of(
        cls, specification: ExportSpecification, *, project_ids: Iterable[int] | None = None
    ) -> CurationRules:
        """The rules of a specification; ``project_ids`` for one not saved (the command's)."""
        if project_ids is None:
            project_ids = specification.projects.values_list("pk", flat=True)
        project_ids = tuple(sorted(project_ids))
        projects = tuple(
            Project.objects.filter(pk__in=project_ids).order_by("pk").values_list("pk", "slug")
        )
        return cls(
            project_ids=project_ids,
            projects=projects,
            kind=specification.kind,
            min_total=specification.min_total,
            min_scores={k: Decimal(str(v)) for k, v in (specification.min_scores or {}).items()},
            min_reviewers=specification.min_reviewers,
            min_agreement={k: float(v) for k, v in (specification.min_agreement or {}).items()},
            languages=tuple(specification.languages or ()),
            source_formats=tuple(specification.source_formats or ()),
            dpo_sources=tuple(specification.dpo_sources or ()),
            tie_policy=specification.tie_policy,
            margin_threshold=specification.margin_threshold,
            system_prompt_mode=specification.system_prompt_mode,
            system_prompt_text=specification.system_prompt_text,
        )

    def problem(self) -> str | None:
        """Why these rules cannot be applied as written, or None (see ``rules_problem``)."""
        return rules_problem(
            kind=self.kind,
            dpo_sources=self.dpo_sources,
            min_total=self.min_total,
            min_scores=self.min_scores,
        )

    def as_dict(self) -> dict[str, Any]:
        slugs = dict(self.projects)
        rules: dict[str, Any] = {
            "projects": [{"id": pk, "slug": slugs.get(pk)} for pk in self.project_ids],
            "approved_items_only": True,
            "open_flags": "excluded",
            "reviewer_flags": sorted(REVIEWER_FLAGS),
            "min_total": str(self.min_total) if self.min_total is not None else None,
            "min_scores": {k: str(v) for k, v in sorted(self.min_scores.items())},
            "min_reviewers": self.min_reviewers,
            "min_agreement": dict(sorted(self.min_agreement.items())),
            "languages": sorted(self.languages),
            "source_formats": sorted(self.source_formats),
            "system_prompt": self.system_prompt_mode,
        }
        if self.system_prompt_mode == SystemPromptMode.FIXED:
            rules["system_prompt_text"] = self.system_prompt_text
        if self.kind == "dpo":
            rules.update(
                dpo_sources=sorted(self.dpo_sources),
                tie_policy=self.tie_policy,
                margin_threshold=str(self.margin_threshold),
            )
        return rules


@dataclass
class CurationStats:
    """What curation kept and left out, and the score distributions of what it kept."""

    considered: int = 0
    kept: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    # criterion code -> final score -> items
    scores: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sources: Counter[str] = field(default_factory=Counter)

    def leave_out(self, reason: str, example: str = "") -> None:
        self.left_out[reason] += 1
        if example and len(self.examples) < EXAMPLES_KEPT:
            self.examples.append(example)

    def as_dict(self) -> dict[str, Any]:
        return {
            "considered": self.considered,
            "kept": self.kept,
            "left_out": dict(sorted(self.left_out.items())),
            "examples": self.examples,
            "scores": {
                code: dict(sorted(counts.items(), key=lambda kv: float(kv[0])))
                for code, counts in sorted(self.scores.items())
            },
            "sources": dict(sorted(self.sources.items())),
        }


# A flag a reviewer raises in a submitted review has no clearing step (only screening flags
# do), so it excludes the item for good; the reason says so.
REVIEWER_FLAG_REASON = "crisis or PII flag raised by a reviewer (reviewer flags cannot be cleared)"
REVIEWER_FLAGS = frozenset({ReviewFlag.CRISIS, ReviewFlag.PII})


PAIR_ITEM_SOURCES = frozenset({DpoSource.PAIRWISE, DpoSource.IMPORTED, DpoSource.MARGINS})


def rules_problem(
    *, kind: str, dpo_sources: Iterable[str], min_total: Any, min_scores: Any
) -> str | None:
    """Why these rules cannot be applied as written, or None.

    Pair items carry a choice, never criterion scores, so a score bar cannot be checked on
    them; rather than let it pass every pair unchecked, such rules are refused.
    """
    if kind != "dpo" or not PAIR_ITEM_SOURCES & set(dpo_sources):
        return None
    if min_total is None and not min_scores:
        return None
    return _(
        "Minimum scores and a minimum total apply to scored sessions only: pairwise choices, "
        "imported preferences and score margins come from pair items, which have no scores. "
        "Remove the score rules, or take pairs from rewrites only."
    )
