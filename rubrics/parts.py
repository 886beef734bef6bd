"""The rubric's share of the scoring page, rendered once per rubric version and language.

A published rubric version never changes (``rubrics.services``), so what the scoring page shows
of each criterion before the reviewer's own input (its title and description, the radio button
of each level, the anchors) is the same for every reviewer and every item scored against that
version. Rendering it was most of the page's CPU (11 criteria x 7 levels for the CTRS, anchors
twice over the levels). Only which level is checked differs from one page to the next, so each
criterion is rendered once for every answer it can hold (none, each level, not applicable) and
the page picks the one that matches.

The parts live in the cache named by ``settings.RUBRIC_PARTS_CACHE`` (a per-process memory
cache unless an operator points it elsewhere), keyed by the version's id and ``published_at``
(SQLite reuses ids once a row is gone), the language, and a digest of the fragment template, so
a deployment that changes the markup never shows parts rendered by the old one. Unpublished
versions (drafts, previews) are rendered afresh on every page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rubrics.models import Criterion, Rubric, text_in
from rubrics.selectors import rubric_sections
from rubrics.templatetags.rubrics import Level, rubric_levels

HEAD_TEMPLATE = "review/reviewer/_criterion_head.html"


@dataclass(frozen=True)
class CriterionParts:
    title: str
    description: str
    # The criterion's head (title to anchors) by the answer checked in it; "" for none.
    heads: dict[str, SafeString]

    def head(self, value: str) -> SafeString:
        # An answer the scale does not hold (a refused form sent back) checks no level.
        return self.heads.get(value, self.heads[""])


@dataclass(frozen=True)
class RubricParts:
    criteria: dict[str, CriterionParts]
    group_titles: dict[int, str]


@dataclass(frozen=True)
class _HeadRow:
    """What the head template reads, under the names the scoring page used before."""

    criterion: Criterion
    title: str
    description: str
    levels: list[Level]
    value: str

    @property
    def has_anchors(self) -> bool:
        return any(level.anchor for level in self.levels)


@cache
def template_digest() -> str:
    """A digest of the head template's source: part of the key, so new markup means new parts."""
    source = get_template(HEAD_TEMPLATE).template.source  # type: ignore[attr-defined]
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _criterion_parts(criterion: Criterion, lang: str) -> CriterionParts:
    title = text_in(criterion.title, lang)
    description = text_in(criterion.description, lang)
    levels = rubric_levels(criterion, lang)
    answers = ["", *(level.value for level in levels)]
    if criterion.allow_na:
        answers.append("na")
    heads = {}
    for answer in answers:
        row = _HeadRow(criterion, title, description, levels, answer)
        html = render_to_string(HEAD_TEMPLATE, {"row": row})
        # The file's own last newline is not part of the page.
        heads[answer] = mark_safe(html.removesuffix("\n"))  # noqa: S308 - escaped by the template
    return CriterionParts(title=title, description=description, heads=heads)


def _render(rubric: Rubric, lang: str) -> RubricParts:
    criteria = {}
    group_titles = {}
    for group, members in rubric_sections(rubric=rubric):
        if group is not None:
            group_titles[group.pk] = text_in(group.title, lang)
        for criterion in members:
            criteria[criterion.code] = _criterion_parts(criterion, lang)
    return RubricParts(criteria=criteria, group_titles=group_titles)


def rubric_parts(*, rubric: Rubric, lang: str) -> RubricParts:
    """The rendered criteria of ``rubric`` (its groups and criteria prefetched) for texts in
    ``lang`` and the labels of the active language."""
    if rubric.status != Rubric.Status.PUBLISHED or rubric.published_at is None:
        return _render(rubric, lang)
    key = ":".join(
        (
            "rubric-parts",
            str(rubric.pk),
            rubric.published_at.isoformat(),
            lang,
            get_language() or "",
            template_digest(),
        )
    )
    store = caches[settings.RUBRIC_PARTS_CACHE]
    parts = store.get(key)
    if parts is None:
        parts = _render(rubric, lang)
        store.set(key, parts, timeout=None)
    return parts
