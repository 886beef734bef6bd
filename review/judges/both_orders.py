"""Pairwise judging in both orders, to measure how much the judge prefers a position.

LLM judges are known to favour whichever response they read first (or second). Each pair is
therefore asked twice, A-then-B and B-then-A. The second answer is mapped back to the original
labels; when the two agree the judgement is position-consistent. A run's share of consistent
pairs is the number a lead looks at before trusting the judge's preferences.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from openai import OpenAI

from review.judges.answers import JudgeAnswer
from review.judges.endpoint import JudgeSettings
from review.judges.inputs import PairwiseRequest
from review.judges.runner import judge_many

_SWAP = {"A": "B", "B": "A"}


def choice_unswap(choice: str, *, swapped: bool) -> str:
    """A choice made on swapped responses, expressed in the caller's original A/B labels."""
    return _SWAP.get(choice, choice) if swapped else choice


def pairwise_both_orders(request: PairwiseRequest) -> tuple[PairwiseRequest, PairwiseRequest]:
    """The request as given and its mirror image (B shown first, ``swapped=True``)."""
    forward = replace(request, swapped=False)
    mirrored = replace(
        request, response_a=request.response_b, response_b=request.response_a, swapped=True
    )
    return forward, mirrored


@dataclass(frozen=True)
class PairwiseOutcome:
    """Both answers for one pair, with the reverse one already mapped back.

    ``position_consistent`` is None when either call did not give a usable answer: a failed
    call says nothing about position bias, and counting it either way would skew the rate.
    ``choice`` is the agreed choice in original labels, only when the two orders agree.
    """

    key: str
    forward: JudgeAnswer
    reverse: JudgeAnswer
    reverse_choice: str | None
    reverse_preferences: dict[str, str]
    position_consistent: bool | None
    choice: str | None


def pairwise_combine(*, forward: JudgeAnswer, reverse: JudgeAnswer) -> PairwiseOutcome:
    if forward.key != reverse.key or forward.swapped or not reverse.swapped:
        raise ValueError(
            f"pairwise_combine needs the forward and swapped answers of one pair, got "
            f"{forward.key} (swapped={forward.swapped}) and {reverse.key} "
            f"(swapped={reverse.swapped})"
        )
    reverse_choice = None
    reverse_preferences: dict[str, str] = {}
    if reverse.status == "ok" and reverse.choice is not None:
        reverse_choice = choice_unswap(reverse.choice, swapped=True)
        reverse_preferences = {
            code: choice_unswap(preference, swapped=True)
            for code, preference in reverse.preferences.items()
        }
    consistent: bool | None = None
    if forward.status == "ok" and reverse_choice is not None:
        consistent = forward.choice == reverse_choice
    return PairwiseOutcome(
        key=forward.key,
        forward=forward,
        reverse=reverse,
        reverse_choice=reverse_choice,
        reverse_preferences=reverse_preferences,
        position_consistent=consistent,
        choice=forward.choice if consistent else None,
    )


def judge_pair(
    *, settings: JudgeSettings, request: PairwiseRequest, client: OpenAI | None = None
) -> PairwiseOutcome:
    """Judge one pair in both orders (concurrently when the judge allows two calls at once).

    A run over many pairs should instead feed every ``pairwise_both_orders`` request to
    ``judge_many`` and combine answers by key, so all pairs share the concurrency budget.
    """
    answers: dict[bool, JudgeAnswer] = {}
    judge_many(
        settings=settings,
        requests=pairwise_both_orders(request),
        on_answer=lambda answer: answers.__setitem__(answer.swapped, answer),
        client=client,
    )
    return pairwise_combine(forward=answers[False], reverse=answers[True])
