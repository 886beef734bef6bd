"""How the reviewer's item pages are put together: the scoring page and the pairwise page.

The views in ``review.views.reviewer`` decide what happens; these functions turn an ``ItemPage``
(read by ``review.selectors.reviewer``) and the reviewer's input into the page, showing the
pair in the assignment's recorded left/right order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.markdown import guidelines_render
from dialogues.models import Speaker, Turn
from review.models import Assignment, Choice, Item, PairwiseJudgment, Review, ReviewFlag, TaskKind
from review.selectors.reviewer import ItemPage
from review.services.pairwise import JudgmentInput, side_from_choice
from review.services.reviewing import ReviewInput, review_input_from_review, scores_as_values
from rubrics.files import number_out
from rubrics.models import LANGUAGE_CODES, Criterion, CriterionGroup, text_in
from rubrics.parts import rubric_parts
from rubrics.selectors import rubric_sections


@lru_cache(maxsize=64)
def _guidelines(text: str) -> SafeString:
    """The guidelines as HTML, rendered once per text: every page of an item shows them, and
    Markdown plus nh3 cost about a millisecond each time. Keyed by the text, so a lead's edit
    shows at once."""
    return guidelines_render(text=text)


def _label_speakers(turns: list[Turn]) -> None:
    """Give each turn its speaker's label, looked up once per page: Django's
    ``get_speaker_display`` rebuilds the field's choices on every call (about 30 microseconds,
    once per turn). ``_turns.html`` shows ``speaker_label`` when it is set."""
    labels = {value: str(label) for value, label in Speaker.choices}
    for turn in turns:
        turn.speaker_label = labels.get(turn.speaker, turn.speaker)  # type: ignore[attr-defined]


def _language(request: HttpRequest) -> str:
    return request.LANGUAGE_CODE if request.LANGUAGE_CODE in LANGUAGE_CODES else "en"


# The scoring page ---------------------------------------------------------------------------


@dataclass
class CriterionRow:
    criterion: Criterion
    title: str
    # Title, description, levels (with this row's answer checked) and anchors, rendered once
    # per rubric version and language (rubrics.parts).
    head: SafeString
    value: str
    rationale: str
    evidence: list[int]
    error: str
    # (score, rationale) of each other reviewer, when the project shows them after submitting
    others: list[tuple[str, str]] = field(default_factory=list)

    @property
    def evidence_text(self) -> str:
        return " ".join(str(turn) for turn in self.evidence)


def _score_text(score: Any) -> str:
    if score is None:
        return "–"
    if score.not_applicable:
        return _("NA")
    return "–" if score.value is None else str(number_out(score.value))


def _other(score: Any) -> tuple[str, str]:
    return _score_text(score), (score.rationale if score is not None else "")


def _criterion_rows(
    page: ItemPage, data: ReviewInput, errors: dict[str, str], lang: str
) -> list[tuple[CriterionGroup | None, str, list[CriterionRow]]]:
    if page.rubric is None:
        return []
    values = scores_as_values(scores=data.scores)
    others = [
        {score.criterion_id: score for score in review.scores.all()} for review in page.others
    ]
    parts = rubric_parts(rubric=page.rubric, lang=lang)
    sections = []
    for group, criteria in rubric_sections(rubric=page.rubric):
        rows = []
        for criterion in criteria:
            entry = data.scores.get(criterion.code)
            value = values.get(criterion.code, "")
            shown = parts.criteria[criterion.code]
            rows.append(
                CriterionRow(
                    criterion=criterion,
                    title=shown.title,
                    head=shown.head(value),
                    value=value,
                    rationale=entry.rationale if entry else "",
                    evidence=[turn + 1 for turn in entry.evidence_turns] if entry else [],
                    error=errors.get(criterion.code, ""),
                    others=[_other(scores.get(criterion.pk)) for scores in others],
                )
            )
        sections.append((group, parts.group_titles[group.pk] if group else "", rows))
    return sections


def _mode(page: ItemPage) -> str:
    item = page.assignment.item
    if item.kind == Item.Kind.PAIR:
        return "pairwise"
    return "scoring" if page.rubric is not None else "rewrite"


def _expired(assignment: Assignment) -> bool:
    until = assignment.reserved_until
    return assignment.status == Assignment.Status.RESERVED and (
        until is None or until <= timezone.now()
    )


def _summary(
    errors: dict[str, str], fields: dict[str, tuple[str, str]]
) -> list[tuple[str, str, str]]:
    """The problems of a refused form as (anchor, label, message), in the order of the page's
    fields, then those no field shows (without a link)."""
    listed = [(*fields[key], errors[key]) for key in fields if key in errors]
    rest = [("", "", message) for key, message in errors.items() if key not in fields]
    return listed + rest


def session_render(
    request: HttpRequest,
    page: ItemPage,
    *,
    data: ReviewInput | None = None,
    errors: dict[str, str] | None = None,
    rewrite_form: dict[str, Any] | None = None,
    reason: str = "",
    status: int = 200,
) -> HttpResponse:
    lang = _language(request)
    _label_speakers(page.turns)
    if data is None:
        data = review_input_from_review(review=page.review)
    errors = errors or {}
    assignment = page.assignment
    submitted = page.review is not None and page.review.status == Review.Status.SUBMITTED
    mode = _mode(page)
    sections = _criterion_rows(page, data, errors, lang)
    fields = {
        row.criterion.code: (f"criterion-{row.criterion.code}", row.title)
        for _group, _title, rows in sections
        for row in rows
    }
    fields["comment"] = ("review-comment", _("Overall comment"))
    fields["flags"] = ("review-flags", _("Flags"))
    fields["reason"] = ("edit-reason", _("Reason for the change"))
    context = {
        "project": assignment.item.project,
        "item": assignment.item,
        "assignment": assignment,
        "page": page,
        "mode": mode,
        "sections": sections,
        "error_summary": _summary(errors, fields),
        "reason": reason,
        "data": data,
        "errors": errors,
        "flags": [(value, label, value in data.flags) for value, label in ReviewFlag.choices],
        "submitted": submitted or (mode == "rewrite" and assignment.status == "submitted"),
        "open": assignment.status == Assignment.Status.RESERVED,
        "counselor": Speaker.COUNSELOR,
        "can_rewrite": page.settings.has_task(TaskKind.REWRITE) or mode == "rewrite",
        "rewrite_form": rewrite_form or {},
        "others_count": len(page.others),
        "guidelines": _guidelines(page.settings.guidelines),
        "reservation_expired": _expired(assignment),
    }
    return render(request, "review/reviewer/scoring.html", context, status=status)


# The pairwise page --------------------------------------------------------------------------


def pair_render(
    request: HttpRequest,
    page: ItemPage,
    *,
    data: JudgmentInput | None = None,
    errors: dict[str, str] | None = None,
    reason: str = "",
    status: int = 200,
) -> HttpResponse:
    lang = _language(request)
    _label_speakers(page.turns)
    errors = errors or {}
    assignment = page.assignment
    item = assignment.item
    judgment = page.judgment
    if data is None:
        data = JudgmentInput(
            choice=judgment.choice if judgment else "",
            strength=judgment.strength if judgment else None,
            principle_choices=dict(judgment.principle_choices) if judgment else {},
            rationale=judgment.rationale if judgment else "",
        )
    swapped = assignment.swapped
    left, right = (
        (item.candidate_b, item.candidate_a) if swapped else (item.candidate_a, item.candidate_b)
    )
    principles = []
    if page.pair_rubric is not None:
        for criterion in page.pair_rubric.criteria.all():
            picked = data.principle_choices.get(criterion.code, "")
            principles.append(
                {
                    "code": criterion.code,
                    "title": text_in(criterion.title, lang),
                    "description": text_in(criterion.description, lang),
                    "side": side_from_choice(swapped=swapped, choice=picked),
                    "error": errors.get(f"principle-{criterion.code}", ""),
                }
            )
    others = [
        {
            "side": side_from_choice(swapped=swapped, choice=other.choice),
            "strength": other.get_strength_display() if other.strength else "",
            "rationale": other.rationale,
        }
        for other in page.other_judgments
    ]
    context = {
        "project": item.project,
        "item": item,
        "assignment": assignment,
        "page": page,
        "left": left,
        "right": right,
        "data": data,
        "side": side_from_choice(swapped=swapped, choice=data.choice),
        "strengths": PairwiseJudgment.Strength.choices,
        "principles": principles,
        "errors": errors,
        "error_summary": _summary(
            errors,
            {
                "choice": ("pair-choice", _("Which response is better?")),
                "strength": ("pair-strength", _("How much better?")),
                **{
                    f"principle-{p['code']}": (f"principle-{p['code']}", p["title"])
                    for p in principles
                },
                "rationale": ("pair-rationale", _("Rationale")),
                "reason": ("edit-reason", _("Reason for the change")),
            },
        ),
        "reason": reason,
        "submitted": judgment is not None and judgment.status == PairwiseJudgment.Status.SUBMITTED,
        "open": assignment.status == Assignment.Status.RESERVED,
        "others": others,
        "choices": Choice,
        "guidelines": _guidelines(page.settings.guidelines),
        "reservation_expired": _expired(assignment),
    }
    return render(request, "review/reviewer/pairwise.html", context, status=status)


def item_render(request: HttpRequest, page: ItemPage, **kwargs: Any) -> HttpResponse:
    if page.assignment.item.kind == Item.Kind.PAIR:
        return pair_render(request, page, **kwargs)
    return session_render(request, page, **kwargs)
