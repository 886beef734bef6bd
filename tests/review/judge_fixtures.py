"""A project ready for judge runs: a scoring rubric, principles for pairs, marked items."""

from __future__ import annotations

from decimal import Decimal

from review.models import JudgeConfig
from rubrics.models import Rubric
from tests.review.factories import PairItemFactory, ReviewSettingsFactory, SessionItemFactory
from tests.review.judge_server import KEY_NAME
from tests.rubrics.factories import CriterionFactory, RubricFactory


def scoring_rubric(slug: str = "skills") -> Rubric:
    rubric = RubricFactory(slug=slug, status=Rubric.Status.PUBLISHED, scope="session")
    for position, code in enumerate(("warmth", "structure"), start=1):
        CriterionFactory(
            rubric=rubric,
            code=code,
            position=position,
            scale_min=Decimal(0),
            scale_max=Decimal(4),
            measurement="ordinal",
            title={"en": code.title(), "zh-hans": code},
        )
    return rubric


def principles_rubric() -> Rubric:
    rubric = RubricFactory(slug="principles", status=Rubric.Status.PUBLISHED, scope="response_pair")
    for position, code in enumerate(("empathy", "safety"), start=1):
        CriterionFactory(
            rubric=rubric,
            code=code,
            position=position,
            scale_min=Decimal(1),
            scale_max=Decimal(5),
            anchors=[{"score": 1, "text": {"en": "Poor"}}, {"score": 5, "text": {"en": "Fine"}}],
            title={"en": code.title(), "zh-hans": code},
        )
    return rubric


def judged_project(project, *, sessions: int = 6, pairs: int = 1):
    """Session items whose text carries "[item-N]" and pair items carrying "[pair-N]"."""
    rubric = scoring_rubric()
    ReviewSettingsFactory(project=project, rubric=rubric, pair_rubric=principles_rubric())
    items = [
        SessionItemFactory(
            project=project,
            session__turns=[
                ("client", f"[item-{n}] I have not slept properly for weeks."),
                ("counselor", "That sounds exhausting. What keeps you awake?"),
            ],
        )
        for n in range(sessions)
    ]
    pair_items = [
        PairItemFactory(
            project=project,
            session__turns=[("client", f"[pair-{n}] My sister stopped talking to me.")],
        )
        for n in range(pairs)
    ]
    return rubric, items, pair_items


def judge_config(project, server, **overrides) -> JudgeConfig:
    values = {
        "project": project,
        "name": "gpt-test",
        "base_url": server.url,
        "model": "judge-model-1",
        "api_key_name": KEY_NAME,
        "concurrency": 4,
        "timeout": 0.5,
        "retries": 2,
        "price_prompt_per_1k": Decimal("0.01"),
        "price_completion_per_1k": Decimal("0.03"),
    }
    values.update(overrides)
    return JudgeConfig.objects.create(**values)
