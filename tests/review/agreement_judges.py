"""Judges' answers and imported source ratings, stored as a finished run would store them."""

from __future__ import annotations

import hashlib

from dialogues.models import SourceRating
from review.models import JudgeConfig, JudgeResult, PairwiseJudgment


def judge_scores(config: JudgeConfig, scores_by_item: dict, *, rubric=None) -> None:
    """Ok answers of a scoring judge: {item: {code: value}}, on ``rubric`` (by default the
    version a run would score on: the judge's, else the project's)."""
    from review.selectors.judge_questions import judge_scoring_rubric

    current = config.settings().fingerprint()
    rubric = rubric or judge_scoring_rubric(config=config)
    for item, scores in scores_by_item.items():
        JudgeResult.objects.create(
            config=config,
            item=item,
            order="",
            rubric=rubric,
            fingerprint=hashlib.sha256(f"{current}{item.pk}".encode()).hexdigest(),
            settings_fingerprint=current,
            prompt_version=config.prompt_version,
            prompt_hash="0" * 64,
            status=JudgeResult.Status.OK,
            raw_text="{}",
            scores=scores,
        )


def judge_pair_choices(config: JudgeConfig, choices_by_item: dict) -> None:
    """Both orders of a pairwise judge, in the item's terms: {item: (forward, reverse)}; None
    leaves that order unanswered."""
    current = config.settings().fingerprint()
    for item, (forward, reverse) in choices_by_item.items():
        for order, choice in (("ab", forward), ("ba", reverse)):
            if choice is None:
                continue
            JudgeResult.objects.create(
                config=config,
                item=item,
                order=order,
                fingerprint=hashlib.sha256(f"{current}{item.pk}{order}".encode()).hexdigest(),
                settings_fingerprint=current,
                prompt_version=config.prompt_version,
                prompt_hash="0" * 64,
                status=JudgeResult.Status.OK,
                raw_text="{}",
                choice=choice,
            )


def pairs_two_reviewers_chose_a(count: int) -> tuple[list, JudgeConfig]:
    """A project of ``count`` pair items on which two reviewers both chose A, and a pairwise
    judge for it with no answers yet: (items, judge)."""
    from tests.factories import ProjectFactory, UserFactory
    from tests.review.factories import (
        AssignmentFactory,
        PairItemFactory,
        PairwiseJudgmentFactory,
        ReviewSettingsFactory,
    )

    project = ProjectFactory(slug="pairs")
    ReviewSettingsFactory(project=project)
    reviewers = (UserFactory(username="ana"), UserFactory(username="ben"))
    items = []
    for _n in range(count):
        item = PairItemFactory(project=project)
        for reviewer in reviewers:
            PairwiseJudgmentFactory(
                assignment=AssignmentFactory(item=item, reviewer=reviewer),
                choice="a",
                status=PairwiseJudgment.Status.SUBMITTED,
            )
        items.append(item)
    config = JudgeConfig.objects.create(
        project=project, name="pairs", base_url="http://127.0.0.1:9/v1", model="m", api_key_name=""
    )
    return items, config


def source_ratings(item, rater: str, a: dict, b: dict) -> None:
    """A pair item's two candidates rated per principle, as an importer stores them."""
    for candidate, scores in ((item.candidate_a, a), (item.candidate_b, b)):
        for name, score in scores.items():
            SourceRating.objects.create(
                session=item.session, candidate=candidate, criterion=name, score=score, rater=rater
            )
