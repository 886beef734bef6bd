"""Judges' ratings for the agreement statistics: LLM judges' current answers and imported ratings.

An LLM judge counts with the answers asked under its configuration as it stands; a pair's
choice needs both orders to agree. Ratings that came with imported data are one judge per
provenance, matched to the rubric's criteria by code or English title. Both come out in the
long tables of review.selectors.agreement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
from django.db.models import QuerySet

from core.models import Project
from dialogues.models import SourceRating
from review.judges import JudgeConfigError
from review.models import Item, JudgeConfig, JudgeResult
from review.selectors.access import review_settings_for
from review.selectors.agreement import rubric_criteria
from rubrics.models import Criterion, Rubric


@dataclass
class JudgeRatings:
    """One judge's answers, in the agreement tables' shape.

    ``kind`` is "llm" (a JudgeConfig) or "imported" (ratings that came with the data, named by
    their provenance). ``scores`` is (item, criterion, value); ``choices`` (item, criterion,
    value) with criterion "" for the overall choice; ``orders`` (item, original, swapped) in
    display slots, for position consistency (LLM judges only); ``one_order`` how many pair
    verdicts per criterion had an answer in one order only, and so are no preference.
    """

    name: str
    kind: str
    provenance: str
    config_id: int | None = None
    scores: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["item", "criterion", "value"])
    )
    choices: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["item", "criterion", "value"])
    )
    orders: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["item", "original", "swapped"])
    )
    one_order: dict[str, int] = field(default_factory=dict)


_SLOT_FORWARD = {"a": "A", "b": "B"}
_SLOT_REVERSE = {"a": "B", "b": "A"}


def judge_current_results(*, config: JudgeConfig) -> QuerySet[JudgeResult]:
    """Results asked with the configuration as it stands (an edited model or prompt version
    makes earlier answers history, not this judge's view)."""
    return JudgeResult.objects.filter(
        config=config, settings_fingerprint=config.settings().fingerprint()
    )


def _pair_choice(forward: str | None, reverse: str | None) -> str | None:
    """A pair's choice from both orders: a side wins only if it won both times, as in MT-bench;
    two different verdicts are a tie. With one usable answer there is no choice: one order
    cannot tell preference from position (docs/agreement.md, "the one rule for an LLM
    judge's pairs")."""
    if forward and reverse:
        return forward if forward == reverse else "tie"
    return None


def llm_judge_ratings(*, config: JudgeConfig, rubric: Rubric | None) -> JudgeRatings:
    judge = JudgeRatings(
        name=config.name,
        kind="llm",
        provenance=f"{config.model} @ {config.base_url} (prompt {config.prompt_version})",
        config_id=config.pk,
    )
    results = judge_current_results(config=config).filter(status=JudgeResult.Status.OK)
    score_rows = []
    if rubric is not None:
        # By the version each answer was given on: a judge without a rubric of its own scores
        # on the project's, and an answer on another version is not comparable.
        for item_id, scores in (
            results.filter(order="", rubric=rubric)
            .order_by("updated_at")
            .values_list("item_id", "scores")
        ):
            for code, value in (scores or {}).items():
                score_rows.append({"item": str(item_id), "criterion": code, "value": value})
    if score_rows:
        frame = pd.DataFrame(score_rows).drop_duplicates(["item", "criterion"], keep="last")
        judge.scores = frame.reset_index(drop=True)
    by_item: dict[int, dict[str, tuple[str, dict[str, str]]]] = {}
    for item_id, order, choice, preferences in results.exclude(order="").values_list(
        "item_id", "order", "choice", "preferences"
    ):
        by_item.setdefault(item_id, {})[order] = (choice, preferences or {})
    choice_rows, order_rows = [], []
    one_order: dict[str, int] = {}

    def combine(item_id: int, code: str, first: str | None, second: str | None) -> None:
        preference = _pair_choice(first, second)
        if preference:
            choice_rows.append({"item": str(item_id), "criterion": code, "value": preference})
        elif bool(first) != bool(second):
            one_order[code] = one_order.get(code, 0) + 1

    for item_id, answers in by_item.items():
        forward, reverse = answers.get("ab"), answers.get("ba")
        combine(item_id, "", forward and forward[0], reverse and reverse[0])
        codes = set((forward or ("", {}))[1]) | set((reverse or ("", {}))[1])
        for code in sorted(codes):
            combine(
                item_id,
                code,
                (forward or ("", {}))[1].get(code),
                (reverse or ("", {}))[1].get(code),
            )
        if forward and reverse:
            order_rows.append(
                {
                    "item": str(item_id),
                    "original": _SLOT_FORWARD.get(forward[0], forward[0]),
                    "swapped": _SLOT_REVERSE.get(reverse[0], reverse[0]),
                }
            )
    if choice_rows:
        judge.choices = pd.DataFrame(choice_rows)
    if order_rows:
        judge.orders = pd.DataFrame(order_rows)
    judge.one_order = one_order
    return judge


def criterion_match(*, name: str, criteria: list[Criterion]) -> str | None:
    """The code of the rubric criterion a source rating's criterion name stands for.

    Matches the code or the English title, ignoring case, spaces, hyphens and underscores, so
    "Empathy", "empathy" and "EMPATHY " all reach the PsychoCounsel rubric's ``empathy``.
    """
    wanted = _normal(name)
    for criterion in criteria:
        if wanted in (_normal(criterion.code), _normal(criterion.title.get("en", ""))):
            return criterion.code
    return None


def _normal(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).casefold()


def imported_judge_ratings(*, project: Project, rubric: Rubric | None) -> list[JudgeRatings]:
    """Ratings that came with the imported data, one judge per provenance (rater string).

    On session items they are scores of the session; on pair items the two candidates' scores
    per principle become a preference (the higher-rated response, a tie when equal), and the
    overall choice follows the mean over the matched principles.
    """
    settings = review_settings_for(project=project)
    session_criteria = rubric_criteria(rubric=rubric) if rubric is not None else []
    pair_criteria = (
        rubric_criteria(rubric=settings.pair_rubric) if settings.pair_rubric is not None else []
    )
    ratings = SourceRating.objects.filter(session__project=project).values_list(
        "session_id", "candidate_id", "criterion", "score", "rater"
    )
    session_scores: dict[tuple[str, int], dict[str, float]] = {}
    candidate_scores: dict[tuple[str, int], dict[str, float]] = {}
    for session_id, candidate_id, criterion, score, rater in ratings:
        if candidate_id is None:
            code = criterion_match(name=criterion, criteria=session_criteria)
            if code is not None:
                session_scores.setdefault((rater, session_id), {})[code] = score
        else:
            code = criterion_match(name=criterion, criteria=pair_criteria)
            if code is not None:
                candidate_scores.setdefault((rater, candidate_id), {})[code] = score
    raters = sorted({rater for rater, _ in session_scores} | {r for r, _ in candidate_scores})
    judges = []
    items = Item.objects.filter(project=project).values_list(
        "pk", "kind", "session_id", "candidate_a_id", "candidate_b_id"
    )
    for rater in raters:
        score_rows, choice_rows = [], []
        for pk, kind, session_id, a_id, b_id in items:
            if kind == Item.Kind.SESSION:
                for code, value in session_scores.get((rater, session_id), {}).items():
                    score_rows.append({"item": str(pk), "criterion": code, "value": value})
                continue
            a = candidate_scores.get((rater, a_id), {})
            b = candidate_scores.get((rater, b_id), {})
            shared = sorted(set(a) & set(b))
            for code in shared:
                choice_rows.append(
                    {"item": str(pk), "criterion": code, "value": _prefer(a[code], b[code])}
                )
            if shared:
                mean_a = sum(a[c] for c in shared) / len(shared)
                mean_b = sum(b[c] for c in shared) / len(shared)
                choice_rows.append(
                    {"item": str(pk), "criterion": "", "value": _prefer(mean_a, mean_b)}
                )
        judge = JudgeRatings(name=rater, kind="imported", provenance=rater)
        if score_rows:
            judge.scores = pd.DataFrame(score_rows)
        if choice_rows:
            judge.choices = pd.DataFrame(choice_rows)
        judges.append(judge)
    return judges


def _prefer(a: float, b: float) -> str:
    return "a" if a > b else "b" if b > a else "tie"


def judges_for_agreement(*, project: Project, rubric: Rubric | None) -> list[JudgeRatings]:
    configs = JudgeConfig.objects.filter(project=project).select_related("rubric")
    llm = []
    for config in configs:
        try:
            llm.append(llm_judge_ratings(config=config, rubric=rubric))
        except JudgeConfigError:
            # A configuration that cannot be called has no current answers to compare.
            continue
    return llm + imported_judge_ratings(project=project, rubric=rubric)
