"""A lead's project setup: review settings and members, each change audited."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from core.markdown import guidelines_render
from core.models import AuditEvent, Membership, Role
from review.models import ReviewSettings, TaskKind
from review.services.projects import (
    ProjectSetupError,
    SettingsChange,
    project_member_remove,
    project_member_set,
    review_settings_update,
)
from tests.factories import UserFactory
from tests.review.factories import SessionItemFactory
from tests.review.lead_fixtures import published_rubric, submit_review
from tests.rubrics.factories import RubricFactory

pytestmark = pytest.mark.django_db


def _change(rubric, **fields) -> SettingsChange:
    values = {
        "guidelines": "Score **what was said**, not what you would have said.",
        "rubric": rubric,
        "pair_rubric": None,
        "task_kinds": [TaskKind.SCORING],
        "overlap": 3,
        "reservation_minutes": 20,
        "reveal_after_submit": True,
        "adjudication_spread": Decimal(2),
        "require_calibration": True,
        "calibration_pass_share": Decimal("0.75"),
        "calibration_tolerance": Decimal(1),
        "due_date": None,
    }
    values.update(fields)
    return SettingsChange(**values)


def test_settings_update_saves_and_audits_only_what_changed(world):
    rubric = published_rubric()
    review_settings_update(project=world.project, change=_change(rubric), actor=world.lead)
    settings = ReviewSettings.objects.get(project=world.project)
    assert (settings.overlap, settings.rubric, settings.reveal_after_submit) == (3, rubric, True)

    review_settings_update(
        project=world.project, change=_change(rubric, overlap=4), actor=world.lead
    )

    events = AuditEvent.objects.filter(action="review.settings.update").order_by("pk")
    assert events.count() == 2
    last = events.last()
    assert last.actor == world.lead
    assert last.before == {"overlap": 3}
    assert last.after == {"overlap": 4}


def test_settings_refuse_a_draft_rubric_naming_the_field(world):
    draft = RubricFactory()
    with pytest.raises(ProjectSetupError) as caught:
        review_settings_update(project=world.project, change=_change(draft), actor=world.lead)
    assert caught.value.field == "rubric"
    assert not AuditEvent.objects.filter(action="review.settings.update").exists()


def test_rubric_version_is_fixed_once_reviews_exist(world):
    first = published_rubric()
    review_settings_update(project=world.project, change=_change(first), actor=world.lead)
    item = SessionItemFactory(project=world.project)
    submit_review(item, first, empathy=3, focus=2)
    second = published_rubric(slug="another")

    with pytest.raises(ProjectSetupError, match="can no longer change"):
        review_settings_update(project=world.project, change=_change(second), actor=world.lead)
    # Other settings still change.
    review_settings_update(
        project=world.project, change=_change(first, overlap=2), actor=world.lead
    )
    assert ReviewSettings.objects.get(project=world.project).rubric == first


def test_scoring_needs_a_rubric_and_overlap_is_at_least_one(world):
    with pytest.raises(ProjectSetupError) as caught:
        review_settings_update(project=world.project, change=_change(None), actor=world.lead)
    assert caught.value.field == "rubric"
    rubric = published_rubric()
    with pytest.raises(ProjectSetupError) as caught:
        review_settings_update(
            project=world.project, change=_change(rubric, overlap=0), actor=world.lead
        )
    assert caught.value.field == "overlap"
    assert dataclasses.asdict(_change(rubric))["overlap"] == 3


def test_members_are_added_changed_and_removed_with_audit(world):
    newcomer = UserFactory(username="newcomer")
    project_member_set(
        project=world.project, username="newcomer", role=Role.REVIEWER, actor=world.lead
    )
    project_member_set(
        project=world.project, username="newcomer", role=Role.TRAINER, actor=world.lead
    )
    membership = Membership.objects.get(project=world.project, user=newcomer)
    assert membership.role == Role.TRAINER
    project_member_remove(project=world.project, membership=membership, actor=world.lead)
    assert not Membership.objects.filter(project=world.project, user=newcomer).exists()

    events = list(AuditEvent.objects.filter(action__startswith="review.member").order_by("pk"))
    assert [(e.before, e.after) for e in events] == [
        (None, {"user": "newcomer", "role": "reviewer"}),
        ({"user": "newcomer", "role": "reviewer"}, {"user": "newcomer", "role": "trainer"}),
        ({"user": "newcomer", "role": "trainer"}, None),
    ]


def test_unknown_account_and_last_lead_are_refused(world):
    with pytest.raises(ProjectSetupError, match="no account named"):
        project_member_set(
            project=world.project, username="nobody", role=Role.REVIEWER, actor=world.lead
        )
    lead_membership = Membership.objects.get(project=world.project, user=world.lead)
    with pytest.raises(ProjectSetupError, match="at least one lead"):
        project_member_remove(project=world.project, membership=lead_membership, actor=world.lead)
    with pytest.raises(ProjectSetupError, match="at least one lead"):
        project_member_set(
            project=world.project, username="lead", role=Role.REVIEWER, actor=world.lead
        )
    assert Membership.objects.get(project=world.project, user=world.lead).role == Role.LEAD


def test_guidelines_render_markdown_and_escape_html():
    html = guidelines_render(
        text="## Tone\n\n<script>alert(1)</script> **warm** [x](javascript:alert(1)) "
        '<img src=x onerror="alert(2)">\n\n- one\n- two'
    )
    assert "<h2>Tone</h2>" in html
    assert "<strong>warm</strong>" in html
    assert "<li>one</li>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<img" not in html
    assert "javascript:" not in html


def test_guidelines_longer_than_the_limit_are_refused_naming_the_field(world):
    """Guidelines are rendered beside every item a reviewer opens; a pasted book would slow
    every page, so their length has a limit like every other text."""
    from core.limits import GUIDELINES_MAX_CHARS

    rubric = published_rubric()
    too_long = "word " * (GUIDELINES_MAX_CHARS // 5 + 1)
    with pytest.raises(ProjectSetupError, match="too long") as caught:
        review_settings_update(
            project=world.project, change=_change(rubric, guidelines=too_long), actor=world.lead
        )
    assert caught.value.field == "guidelines"
    assert not AuditEvent.objects.filter(action="review.settings.update").exists()
    fits = "word " * (GUIDELINES_MAX_CHARS // 5)
    review_settings_update(
        project=world.project, change=_change(rubric, guidelines=fits), actor=world.lead
    )
    assert ReviewSettings.objects.get(project=world.project).guidelines == fits
