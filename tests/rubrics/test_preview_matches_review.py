"""The rubric page's preview offers a reviewer exactly the choices of the review scoring page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from review.services.assignment import assignment_next
from tests.conftest import client_for
from tests.review.reviewer_world import review_world

pytestmark = pytest.mark.django_db

_INPUT = re.compile(r'<(?:input|textarea)\b[^>]*\bname="((?:score|rationale)-[^"]+)"([^>]*)>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def _controls(html: str) -> list[tuple[str, str]]:
    """Each score radio (name, value) and each rationale box (name, "") in page order."""
    controls = []
    for name, rest in _INPUT.findall(html):
        value = _VALUE.search(rest)
        controls.append((name, value.group(1) if name.startswith("score-") else ""))
    return controls


def _rationale_labels(html: str) -> list[str]:
    return re.findall(r"Rationale \((required|optional)\)", html)


def test_preview_and_review_page_offer_the_same_controls() -> None:
    world = review_world(items=1, reviewers=1, overlap=1)
    reviewer = world.reviewers[0]
    assignment = assignment_next(project=world.project, reviewer=reviewer)
    client = client_for(reviewer)
    review_page = client.get(
        reverse("review:item", args=[world.project.slug, assignment.item.pk])
    ).content.decode()
    rubric = world.rubric
    preview = client.get(
        reverse("rubrics:rubric_version", args=[rubric.slug, rubric.version])
    ).content.decode()

    expected = [
        *[("score-empathy", str(level)) for level in range(5)],
        ("rationale-empathy", ""),
        *[("score-homework", str(level)) for level in range(5)],
        ("score-homework", "na"),
        ("rationale-homework", ""),
        ("score-safety", "0"),
        ("score-safety", "1"),
        ("rationale-safety", ""),
    ]
    assert _controls(review_page) == expected
    assert _controls(preview) == expected
    assert _rationale_labels(review_page) == _rationale_labels(preview)
    assert _rationale_labels(preview) == ["optional", "optional", "required"]
