"""One final-score rule: the lead's item page and the export give every item the same scores.

Projects are generated (1 to 4 reviewers, edited reviews, not-applicable scores, even splits
whose median falls between two steps, adjudications that follow one another, some at the same
instant), and each item's final scores are read three ways: off the lead's item page, from the
SFT export, and from the rule as the test states it (the latest adjudication with scores wins
outright, by time and then by id; else the median of the submitted reviews per criterion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from statistics import median

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import Role
from exports.services.curation import sft_items
from exports.services.curation_rules import CurationRules, CurationStats
from review.models import Adjudication, Item, Review
from review.services.reviewing import ReviewInput, ScoreInput, review_edit
from rubrics.models import Rubric, ScaleKind
from tests.exports.records import ExportSpecificationFactory, approved_session
from tests.factories import ProjectFactory, UserFactory, member
from tests.rubrics.factories import CriterionFactory, RubricFactory

pytestmark = pytest.mark.django_db

NA = None
# code -> (levels, not applicable allowed)
CRITERIA = {
    "warmth": ([0, 1, 2, 3, 4, 5, 6], False),
    "homework": ([0, 1, 2, 3, 4, 5, 6], True),
    "safety": ([0, 1], False),
}
BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _value(code: str) -> st.SearchStrategy[int | None]:
    levels, allow_na = CRITERIA[code]
    values = st.sampled_from(levels)
    return st.one_of(values, st.none()) if allow_na else values


def _review() -> st.SearchStrategy[dict[str, int | None]]:
    return st.fixed_dictionaries({code: _value(code) for code in CRITERIA})


@dataclass
class ItemPlan:
    reviews: list[dict[str, int | None]]
    # Per review: the scores an edit after submission left, or None (never edited).
    edits: list[dict[str, int | None] | None]
    # (minutes after BASE, scores); equal minutes are adjudications at the same instant.
    adjudications: list[tuple[int, dict[str, int | None]]]


@st.composite
def _item(draw: st.DrawFn, k: int) -> ItemPlan:
    reviews = draw(st.lists(_review(), min_size=k, max_size=k))
    edits = draw(st.lists(st.one_of(st.none(), _review()), min_size=k, max_size=k))
    adjudications = draw(st.lists(st.tuples(st.integers(0, 3), _review()), min_size=0, max_size=3))
    return ItemPlan(reviews, edits, adjudications)


@st.composite
def _project(draw: st.DrawFn) -> tuple[int, list[ItemPlan]]:
    k = draw(st.integers(1, 4))
    return k, draw(st.lists(_item(k), min_size=1, max_size=3))


def _rubric() -> Rubric:
    rubric = RubricFactory(status=Rubric.Status.PUBLISHED)
    for code, (levels, allow_na) in CRITERIA.items():
        binary = levels == [0, 1]
        CriterionFactory(
            rubric=rubric,
            code=code,
            scale_kind=ScaleKind.BINARY if binary else ScaleKind.RANGE,
            scale_min=Decimal(min(levels)),
            scale_max=Decimal(max(levels)),
            allow_na=allow_na,
        )
    return rubric


def _expected(plan: ItemPlan) -> dict[str, Decimal]:
    """The rule as docs/exporting.md states it, worked out from the plan alone."""
    if plan.adjudications:
        # The latest by time, and of those at the same instant the one recorded last.
        _minute, scores = max(enumerate(plan.adjudications), key=lambda e: (e[1][0], e[0]))[1]
        return {code: Decimal(v) for code, v in scores.items() if v is not None}
    final = [edit or review for review, edit in zip(plan.reviews, plan.edits, strict=True)]
    expected = {}
    for code in CRITERIA:
        values = [Decimal(r[code]) for r in final if r[code] is not None]
        if values:
            expected[code] = median(values)
    return expected


def _page_scores(client: Client, item: Item) -> dict[str, Decimal]:
    url = reverse("review:lead_item", args=[item.project.slug, item.pk])
    html = client.get(url).content.decode()
    return {
        code: Decimal(value)
        for code, value in re.findall(
            r'<dd class="final-score" data-criterion="([a-z]+)">([0-9.]+)</dd>', html
        )
    }


def _build(k: int, plans: list[ItemPlan]) -> tuple[Client, list[Item], CurationRules]:
    project = ProjectFactory()
    rubric = _rubric()
    people = [UserFactory() for _ in range(k)]
    items = []
    for plan in plans:
        scores = {code: [r[code] for r in plan.reviews] for code in CRITERIA}
        item = approved_session(project=project, rubric=rubric, people=people, scores=scores)
        reviews = list(Review.objects.filter(item=item).order_by("pk"))
        for review, edit in zip(reviews, plan.edits, strict=True):
            if edit is not None:
                data = ReviewInput(
                    scores={
                        code: ScoreInput(
                            value=None if v is None else Decimal(v), not_applicable=v is None
                        )
                        for code, v in edit.items()
                    }
                )
                review_edit(review=review, data=data, reason="Misread turn 3", user=review.reviewer)
        for minute, scores in plan.adjudications:
            adjudication = Adjudication.objects.create(
                item=item, rubric=rubric, scores=scores, reason="Settled with both reviewers"
            )
            Adjudication.objects.filter(pk=adjudication.pk).update(
                created_at=BASE + timedelta(minutes=minute)
            )
        items.append(item)
    client = Client()
    client.force_login(member(project, Role.LEAD))
    specification = ExportSpecificationFactory(projects=[project])
    return client, items, CurationRules.of(specification)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated=_project())
def test_the_page_and_the_export_give_every_item_the_same_final_scores(
    generated: tuple[int, list[ItemPlan]],
) -> None:
    k, plans = generated
    with transaction.atomic():
        client, items, rules = _build(k, plans)
        exported = {
            row.item_id: {code: Decimal(str(v)) for code, v in row.scores.items()}
            for row in sft_items(rules=rules, stats=CurationStats(), salt="s")
        }
        for item, plan in zip(items, plans, strict=True):
            page = _page_scores(client, item)
            assert page == exported[f"item-{item.pk}"], (plan, page)
            assert page == _expected(plan), plan
        transaction.set_rollback(True)
