"""Worked examples for few-shot calibration: items the leads adjudicated, with final scores.

Only an item's latest adjudication counts (as everywhere), on the rubric version the judge
scores against, and only when every score is a whole number on its scale or "not applicable"
where allowed: the example's answer must be one the judge itself could give. The newest
adjudications come first, so a calibration follows the leads' current reading of the rubric.
"""

from __future__ import annotations

from review.judges.inputs import JudgeTurn, ScoreExample
from review.models import Adjudication, Item
from rubrics.models import Rubric


def _whole(value: object) -> int | bool | None:
    """The score as the judge would give it, or False when it could not be one."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return int(value) if float(value).is_integer() else False


def judge_calibration_examples(
    *, project_id: int, rubric: Rubric, count: int
) -> list[tuple[int, ScoreExample]]:
    """Up to ``count`` (item id, example) pairs, newest adjudication first."""
    if count <= 0:
        return []
    criteria = {c.code: c for c in rubric.criteria.all()}
    latest: dict[int, Adjudication] = {}
    for adjudication in Adjudication.objects.filter(
        item__project_id=project_id, item__kind=Item.Kind.SESSION
    ).order_by("-created_at", "-pk"):
        latest.setdefault(adjudication.item_id, adjudication)
    examples = []
    for item_id, adjudication in latest.items():
        if adjudication.rubric_id != rubric.pk or set(adjudication.scores) != set(criteria):
            continue
        scores: dict[str, int | None] = {}
        for code, value in adjudication.scores.items():
            whole = _whole(value)
            criterion = criteria[code]
            if whole is False or (whole is None and not criterion.allow_na):
                break
            if whole is not None and not criterion.scale_min <= whole <= criterion.scale_max:
                break
            scores[code] = whole
        else:
            item = Item.objects.select_related("session").get(pk=item_id)
            turns = tuple(
                JudgeTurn(speaker=t.speaker, text=t.text)
                for t in item.session.turns.order_by("index")
            )
            if turns:
                examples.append((item_id, ScoreExample(turns=turns, scores=scores)))
        if len(examples) >= count:
            break
    return examples
