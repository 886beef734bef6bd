"""What a run of a judge asks: one question per item and order (and sample), with its fingerprint.

A session item is scored against the judge's rubric version; a pair item is asked twice, once in
each order of its responses, so position consistency can be measured. The fingerprint is the
judge's settings and the exact prompt (the rubric, the template and the item's text), so that
review.services.judging can reuse an answer already stored for the same question.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from review.judges import (
    JudgeCriterion,
    JudgeRubric,
    JudgeTurn,
    PairwiseRequest,
    ScoreRequest,
    pairwise_both_orders,
)
from review.judges.calling import prompt_render
from review.judges.endpoint import JudgeSettings
from review.judges.inputs import JudgeRequest
from review.models import Item, JudgeConfig
from review.selectors.access import review_settings_for
from rubrics.models import Criterion, Rubric, text_in

SCOPES = {"session": "session", "counselor_turn": "counselor_turn", "response": "response"}


def judge_criterion_from(criterion: Criterion, *, language: str) -> JudgeCriterion:
    anchors = {
        int(anchor["score"]): text_in(anchor.get("text"), language)
        for anchor in criterion.anchors or []
        if float(anchor["score"]).is_integer()
    }
    binary = criterion.scale_kind == "binary"
    return JudgeCriterion(
        code=criterion.code,
        title=text_in(criterion.title, language),
        description=text_in(criterion.description, language),
        anchors=anchors,
        scale="binary" if binary else "range",
        minimum=0 if binary else int(criterion.scale_min),
        maximum=1 if binary else int(criterion.scale_max),
        step=1 if binary else max(1, int(criterion.scale_step)),
        na_allowed=criterion.allow_na,
    )


def judge_rubric_from(rubric: Rubric, *, language: str, scope: str | None = None) -> JudgeRubric:
    """A rubric version as the judges see it, in the prompt's language."""
    code = "zh-hans" if language == "zh" else language
    return JudgeRubric(
        code=rubric.slug,
        version=str(rubric.version),
        title=text_in(rubric.name, code),
        scope=scope or SCOPES.get(rubric.scope, "pair"),  # type: ignore[arg-type]
        criteria=tuple(
            judge_criterion_from(criterion, language=code)
            for criterion in rubric.criteria.order_by("position")
        ),
    )


@dataclass(frozen=True)
class Question:
    item: Item
    order: str
    request: JudgeRequest
    fingerprint: str
    prompt_version: str
    prompt_hash: str
    sample: int = 0


def _turns(item: Item, upto: int | None = None) -> tuple[JudgeTurn, ...]:
    turns = item.session.turns.order_by("index")
    if upto is not None:
        turns = turns.filter(index__lt=upto)
    return tuple(JudgeTurn(speaker=t.speaker, text=t.text) for t in turns)


def judge_scoring_rubric(*, config: JudgeConfig) -> Rubric | None:
    """The rubric version this judge scores session items against: its own, else the
    project's; None when neither is a session rubric (the judge then only judges pairs)."""
    rubric = config.rubric or review_settings_for(project=config.project).rubric
    return rubric if rubric is not None and rubric.scope == "session" else None


def judge_questions(
    *, config: JudgeConfig, settings: JudgeSettings, examples: list[Any] | None = None
) -> list[Question]:
    """Every question a run of this judge asks, with its fingerprint.

    ``examples`` are (item id, ScoreExample) pairs for few-shot calibration: shown before
    every scored item, and their own items are left out, so no item is its own example.
    """
    review_settings = review_settings_for(project=config.project)
    rubric = judge_scoring_rubric(config=config)
    examples = examples or []
    shown = tuple(example for _item_id, example in examples)
    example_items = {item_id for item_id, _example in examples}
    scoring = None
    if rubric is not None and rubric.scope == "session":
        scoring = judge_rubric_from(rubric, language=settings.language)
    principles = None
    if review_settings.pair_rubric is not None:
        principles = judge_rubric_from(
            review_settings.pair_rubric, language=settings.language, scope="pair"
        )
    items = (
        Item.objects.filter(project=config.project)
        .exclude(pk__in=example_items)
        .select_related("session", "candidate_a", "candidate_b")
    )
    questions = []
    base = settings.fingerprint()
    for item in items.order_by("position", "pk"):
        requests: list[tuple[str, JudgeRequest]] = []
        if item.kind == Item.Kind.SESSION and scoring is not None and scoring.criteria:
            turns = _turns(item)
            if turns:
                requests.append(
                    (
                        "",
                        ScoreRequest(
                            key=f"{item.pk}:", rubric=scoring, turns=turns, examples=shown
                        ),
                    )
                )
        elif item.kind == Item.Kind.PAIR and item.candidate_a and item.candidate_b:
            pair = PairwiseRequest(
                key=f"{item.pk}:ab",
                context=_turns(item, item.turn_index),
                response_a=item.candidate_a.text,
                response_b=item.candidate_b.text,
                rubric=principles,
            )
            forward, reverse = pairwise_both_orders(pair)
            requests += [("ab", forward), ("ba", _rekey(reverse, f"{item.pk}:ba"))]
        for order, request in requests:
            prompt = prompt_render(request=request, settings=settings)
            for sample in range(config.samples):
                material = f"{base}:{prompt.prompt_hash}"
                if sample:
                    # A later sample is a question of its own, asked and stored again; the
                    # first keeps the fingerprint of a single ask, so earlier answers count.
                    material += f":sample-{sample}"
                    request = _rekey(request, f"{request.key.split('#')[0]}#{sample}")
                fingerprint = hashlib.sha256(material.encode()).hexdigest()
                questions.append(
                    Question(
                        item,
                        order,
                        request,
                        fingerprint,
                        prompt.version,
                        prompt.prompt_hash,
                        sample,
                    )
                )
    return questions


def _rekey(request: JudgeRequest, key: str) -> Any:
    from dataclasses import replace

    return replace(request, key=key)
