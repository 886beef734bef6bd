"""Comparing two versions of a specification: the page, and items whose rows changed."""

import pytest
from django.urls import reverse

from core.models import Role
from exports.services.diff import version_diff
from review.models import Adjudication
from tests.conftest import client_for
from tests.exports.fixtures import filler_text
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


@pytest.fixture
def versions(db, build):
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    rubric = published_rubric()
    items = [
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [2, 2], "structure": [3, 3]},
            turns=[("client", filler_text(n)), ("counselor", f"Say more, session {n}.")],
        )
        for n in range(12)
    ]
    specification = ExportSpecificationFactory(projects=[project], formats=["parquet"])
    old = build(specification, lead)
    # A lead's adjudication changes one item's final scores; nothing else changes.
    Adjudication.objects.create(
        item=items[3], rubric=rubric, scores={"empathy": 4, "structure": 3}, reason="Re-read"
    )
    new = build(specification, lead)
    return lead, items, old, new


def test_an_item_whose_scores_changed_is_counted_as_changed(versions):
    _lead, items, old, new = versions

    diff = version_diff(old=old, new=new)

    assert diff.changed == [f"item-{items[3].pk}"]
    assert diff.moved_total == 0
    assert diff.added_total == diff.removed_total == 0
    assert diff.unchanged == 11


def test_the_compare_page_shows_the_changes(versions):
    lead, items, old, new = versions
    url = reverse("exports:version_compare", args=[new.pk])

    page = client_for(lead).get(url, {"with": old.pk})

    assert page.status_code == 200
    html = page.content.decode()
    assert f"Version {old.number} → version {new.number}" in html
    assert '<dd class="export-changed">1</dd>' in html
    assert f"<li>item-{items[3].pk}</li>" in html
    assert "<dt>Items unchanged</dt><dd>11</dd>" in html
