"""The scoring page renders a published rubric version's criteria once per language, and a
draft's every time (the page's HTML itself is pinned by test_review_page_html.py)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from rubrics.models import Rubric
from rubrics.parts import HEAD_TEMPLATE
from tests.conftest import client_for
from tests.factories import member
from tests.review.factories import AssignmentFactory
from tests.review.reviewer_world import review_world
from tests.review.test_review_page_html import _normalised

pytestmark = pytest.mark.django_db


@contextmanager
def _head_renders():
    seen: list[str] = []

    def record(sender, template, context, **kwargs):
        if template.name == HEAD_TEMPLATE:
            seen.append(template.name)

    template_rendered.connect(record)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record)


def _page(client, world, item, language="en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("review:item", args=[world.project.slug, item.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _open_item(world):
    reviewer = member(world.project, Role.REVIEWER)
    item = world.items[0]
    AssignmentFactory(item=item, reviewer=reviewer)
    return client_for(reviewer), item


def test_a_published_versions_criteria_are_rendered_once_per_language() -> None:
    caches[settings.RUBRIC_PARTS_CACHE].clear()
    world = review_world(items=1)
    world.rubric.published_at = timezone.now()
    world.rubric.save(update_fields=["published_at"])
    client, item = _open_item(world)

    with _head_renders() as first:
        english = _page(client, world, item)
    with _head_renders() as again:
        assert _normalised(_page(client, world, item), {}) == _normalised(english, {})
    with _head_renders() as chinese:
        _page(client, world, item, "zh-hans")

    # empathy 0-4 (6 answers with none), homework 0-4 or NA (7), safety met / not met (3)
    assert len(first) == 16
    assert again == []
    assert len(chinese) == 16
    assert 'name="score-empathy" value="4"' in english


def test_a_draft_versions_criteria_are_rendered_on_every_page() -> None:
    world = review_world(items=1)
    world.rubric.status = Rubric.Status.DRAFT
    world.rubric.published_at = None
    world.rubric.save(update_fields=["status", "published_at"])
    client, item = _open_item(world)

    with _head_renders() as first:
        _page(client, world, item)
    with _head_renders() as again:
        _page(client, world, item)

    assert len(first) == len(again) == 16
