"""The reviewer's item pages are byte-identical to a stored copy, for fixed data.

These pages are the ones a reviewer spends the day on, and parts of them are cached (the rubric's
rendered criteria, per version and language). The stored copies in ``review_page_html/`` catch
any change of the HTML, intended or not: the scoring page against the built-in CTRS rubric (empty
and with a draft), and a pairwise page with the PsychoCounsel principles, in English and in
Simplified Chinese. Only values that differ per request or per database are normalised: the CSRF
token and the database ids.

An intended change of the pages: regenerate with ``REGENERATE_PAGE_HTML=1`` and say in the commit
what changed and why.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.models import Role
from dialogues.models import Candidate
from review.models import Assignment, Item, Review, ReviewSettings, Score, TaskKind
from rubrics.models import Rubric
from rubrics.services import rubrics_load_builtin
from tests.conftest import client_for
from tests.dialogues.factories import SessionFactory
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

STORED = Path(__file__).parent / "review_page_html"
REGENERATE = os.environ.get("REGENERATE_PAGE_HTML") == "1"
# Far ahead and fixed, so the "reserved until" line reads the same every run.
RESERVED_UNTIL = datetime(2999, 1, 1, 10, 30, tzinfo=UTC)

TURNS = [
    ("client", "I have not slept properly since the move.\nEvery night I lie awake."),
    ("counselor", "That sounds exhausting. What goes through your mind at night?"),
    ("client", "That I made a mistake <and> that everyone noticed & judged me."),
    ("counselor", "Let us look at the evidence for that thought together."),
]


def _normalised(html: str, ids: dict[int, str]) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    html = re.sub(r'"X-CSRFToken": ?"[^"]+"', '"X-CSRFToken": "-"', html)
    html = re.sub(r'nonce="[^"]+"', 'nonce="-"', html)
    for pk, name in ids.items():
        html = re.sub(rf"(?<=/items/){pk}/", f"{name}/", html)
        html = re.sub(rf"#{pk}(?![0-9A-Za-z])", f"#{name}", html)
    return html


def _compare(name: str, html: str) -> None:
    path = STORED / f"{name}.html"
    if REGENERATE:
        STORED.mkdir(exist_ok=True)
        path.write_text(html, encoding="utf-8")
    stored = path.read_text(encoding="utf-8")
    assert html == stored, f"{name}: the page differs from {path.name}"


def _project(slug: str, *, kinds: list[str], rubric=None, pair_rubric=None):
    project = ProjectFactory(slug=slug, name=f"Guard {slug}")
    ReviewSettings.objects.create(
        project=project,
        rubric=rubric,
        pair_rubric=pair_rubric,
        task_kinds=kinds,
        overlap=2,
        guidelines="Score **each** criterion against its anchors.\n\n- read the whole session",
    )
    return project


def _reviewer(project, username: str):
    return member(project, Role.REVIEWER, username=username)


# The parts both item pages show, written once (the skip form, the submit confirmation).
SHARED_PARTS = {"review/reviewer/_skip.html", "review/reviewer/_confirm_submit.html"}


def _page(client, project, item, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("review:item", args=[project.slug, item.pk]))
    assert response.status_code == 200
    assert {template.name for template in response.templates} >= SHARED_PARTS
    return response.content.decode()


def _session_item(project, source_id: str):
    session = SessionFactory(project=project, source_id=source_id, turns=TURNS)
    return Item.objects.create(project=project, kind=Item.Kind.SESSION, session=session, position=1)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_ctrs_scoring_page_is_unchanged(language) -> None:
    rubrics_load_builtin()
    ctrs = Rubric.objects.get(slug="ctrs", status=Rubric.Status.PUBLISHED)
    project = _project("guard-scoring", kinds=[TaskKind.SCORING, TaskKind.REWRITE], rubric=ctrs)
    item = _session_item(project, "guard-1")
    reviewer = _reviewer(project, "guard-reviewer")
    assignment = Assignment.objects.create(
        item=item,
        reviewer=reviewer,
        status=Assignment.Status.RESERVED,
        reserved_until=RESERVED_UNTIL,
    )
    client = client_for(reviewer)
    ids = {item.pk: "ITEM"}

    _compare(f"scoring-empty-{language}", _normalised(_page(client, project, item, language), ids))

    # A draft: a few scores, one not applicable where allowed, a rationale and evidence.
    review = Review.objects.create(
        assignment=assignment, item=item, reviewer=reviewer, rubric=ctrs, comment="So far <ok>."
    )
    criteria = list(ctrs.criteria.order_by("position"))
    Score.objects.create(review=review, criterion=criteria[0], value=Decimal(4))
    Score.objects.create(
        review=review,
        criterion=criteria[1],
        value=Decimal(2),
        rationale="The agenda came late & was vague.",
        evidence_turns=[1, 3],
    )
    Score.objects.create(review=review, criterion=criteria[-1], value=Decimal(0))
    _compare(f"scoring-draft-{language}", _normalised(_page(client, project, item, language), ids))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_pairwise_page_is_unchanged(language) -> None:
    rubrics_load_builtin()
    principles = Rubric.objects.get(slug="psychocounsel-pair", status=Rubric.Status.PUBLISHED)
    project = _project("guard-pairs", kinds=[TaskKind.PAIRWISE], pair_rubric=principles)
    session = SessionFactory(project=project, source_id="guard-pair", turns=TURNS[:3])
    first = Candidate.objects.create(
        session=session,
        turn_index=3,
        key="chosen",
        text="It sounds like the nights are the hardest part. What helps, even a little?",
    )
    second = Candidate.objects.create(
        session=session,
        turn_index=3,
        key="rejected",
        text="Just try to sleep more.",
    )
    item = Item.objects.create(
        project=project,
        kind=Item.Kind.PAIR,
        session=session,
        turn_index=3,
        candidate_a=first,
        candidate_b=second,
        position=1,
    )
    reviewer = _reviewer(project, "guard-pair-reviewer")
    Assignment.objects.create(
        item=item,
        reviewer=reviewer,
        status=Assignment.Status.RESERVED,
        reserved_until=RESERVED_UNTIL,
        swapped=True,
    )
    client = client_for(reviewer)
    html = _normalised(_page(client, project, item, language), {item.pk: "ITEM"})
    _compare(f"pairwise-{language}", html)
