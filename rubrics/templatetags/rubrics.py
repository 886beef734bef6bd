from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import template
from django.utils.translation import gettext as _

from rubrics.files import number_out
from rubrics.models import Criterion, CriterionGroup, TotalMethod, text_in

register = template.Library()


@register.filter(name="text_in")
def text_in_filter(texts: dict[str, str] | None, language: str | None = None) -> str:
    """``{{ criterion.title|text_in:lang }}``: the text in that language, else English."""
    return text_in(texts, language)


@register.filter
def num(value: Decimal | float | int | None) -> str:
    """A score as people write it: 6 rather than 6.000, 0.5 rather than 0.500."""
    if value is None:
        return ""
    return str(number_out(value))


@dataclass(frozen=True)
class Level:
    value: str
    label: str
    anchor: str


@register.simple_tag
def rubric_levels(criterion: Criterion, language: str | None = None) -> list[Level]:
    """The choices a reviewer has for a criterion, each with its anchor text if one exists."""
    anchors: dict[Any, dict[str, str]] = {
        Decimal(str(anchor["score"])): anchor["text"] for anchor in criterion.anchors
    }
    levels = []
    for value in criterion.levels():
        label = num(value)
        if criterion.is_binary:
            label = _("Met") if value else _("Not met")
        levels.append(Level(num(value), label, text_in(anchors.get(value), language)))
    return levels


@register.simple_tag
def rubric_group_maximum(
    group: CriterionGroup, criteria: list[Criterion], total_method: str | None = None
) -> Decimal:
    """The most a group's criteria add up to, as ``rubric_score`` reports it for the group.

    A stated maximum wins; otherwise the criteria's highest contributions add up (weighted for a
    weighted sum), which is the group sub-total's maximum whatever the total method.
    """
    if group.maximum is not None:
        return group.maximum
    weighted = total_method == TotalMethod.WEIGHTED_SUM
    return sum((item.highest * (item.weight if weighted else 1) for item in criteria), Decimal(0))
