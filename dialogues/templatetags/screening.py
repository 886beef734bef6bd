"""Template helpers for screening flags: highlighting, category names and framing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dialogues.screening import CRISIS, STATEMENT, hit_framing
from dialogues.screening.labels import CATEGORY_LABELS, FRAMING_LABELS
from dialogues.services.flags import SAFETY_QUESTION_REASON

register = template.Library()


def _spans(text: str, marks: Iterable[Any]) -> list[tuple[int, int, str]]:
    """Valid spans in order, overlapping ones merged (crisis wins the colour of a merged span)."""
    spans = sorted(
        (mark.start, mark.end, mark.kind)
        for mark in marks
        if isinstance(mark.start, int) and isinstance(mark.end, int)
        if 0 <= mark.start < mark.end <= len(text)
    )
    merged: list[tuple[int, int, str]] = []
    for start, end, kind in spans:
        if merged and start < merged[-1][1]:
            last_start, last_end, last_kind = merged[-1]
            merged[-1] = (
                last_start,
                max(end, last_end),
                CRISIS if CRISIS in (kind, last_kind) else last_kind,
            )
        else:
            merged.append((start, end, kind))
    return merged


@register.filter
def highlight(text: str | None, marks: Iterable[Any] | None) -> SafeString:
    """``{{ turn.text|highlight:turn.flag_list }}``: the text escaped, each flagged span in
    ``<mark>``. Works with flags and with screening hits (anything with start, end, kind)."""
    text = text or ""
    pieces: list[str] = []
    position = 0
    for start, end, kind in _spans(text, marks or ()):
        pieces.append(escape(text[position:start]))
        kind_class = "flag-crisis" if kind == CRISIS else "flag-pii"
        pieces.append(f'<mark class="{kind_class}">{escape(text[start:end])}</mark>')
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of the text is escaped above


@register.filter
def flag_category(category: str) -> str:
    """The translated name of a category; an unknown one (a newer rule set) as stored."""
    return _label(CATEGORY_LABELS, category)


@register.filter
def flag_framing(flag: Any) -> str:
    """ "statement", "question" or "negated" for a crisis flag, read from its turn's text."""
    if getattr(flag, "kind", "") != CRISIS:
        return STATEMENT
    source = flag.turn if flag.turn_id is not None else flag.candidate
    text = getattr(source, "text", "") or ""
    if text[flag.start : flag.end] != flag.matched_text:
        return STATEMENT
    return hit_framing(text=text, start=flag.start, end=flag.end)


@register.filter
def framing_label(framing: str) -> str:
    return _label(FRAMING_LABELS, framing)


def _label(labels: Mapping[str, Any], key: str) -> str:
    """The translated label of a stored key; a key the labels do not know (newer rules) as is."""
    label = labels.get(key)
    return str(label) if label is not None else key


@register.filter
def flag_reason(flag: Any) -> str:
    """The reason a flag was cleared, translated when screening cleared it itself."""
    if flag.clear_reason == SAFETY_QUESTION_REASON and flag.cleared_by_id is None:
        return _("Safety question asked by the counselor; cleared by screening.")
    return str(flag.clear_reason)
