from __future__ import annotations

from decimal import Decimal

import factory

from rubrics.models import Criterion, CriterionGroup, Rubric


class RubricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rubric

    slug = factory.Sequence(lambda n: f"rubric-{n}")
    version = 1
    status = Rubric.Status.DRAFT
    scope = "session"
    languages = factory.LazyFunction(lambda: ["en", "zh-hans"])
    name = factory.LazyAttribute(lambda r: {"en": f"Rubric {r.slug}", "zh-hans": f"量表 {r.slug}"})
    total_method = "sum"


class CriterionGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionGroup

    rubric = factory.SubFactory(RubricFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"g{n}")
    title = factory.LazyAttribute(lambda g: {"en": f"Group {g.code}", "zh-hans": f"组 {g.code}"})


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    rubric = factory.SubFactory(RubricFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"c{n}")
    title = factory.LazyAttribute(lambda c: {"en": f"Item {c.code}", "zh-hans": f"条目 {c.code}"})
    scale_min = Decimal(0)
    scale_max = Decimal(4)
    anchors = factory.LazyFunction(
        lambda: [
            {"score": 0, "text": {"en": "Absent", "zh-hans": "没有"}},
            {"score": 4, "text": {"en": "Excellent", "zh-hans": "出色"}},
        ]
    )
