"""The lead's pages, driven as a lead would: through forms, checking what the page then shows."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEvent, Membership, Role
from review.models import Adjudication, Item, ReviewSettings
from review.services.item_status import item_status_refresh
from tests.conftest import client_for
from tests.dialogues.factories import SessionFactory
from tests.factories import UserFactory
from tests.review.factories import PairItemFactory, SessionItemFactory
from tests.review.lead_fixtures import (
    published_rubric,
    scoring_settings,
    submit_judgment,
    submit_review,
)
from tests.review.reviewer_world import review_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def rubric(world):
    rubric = published_rubric()
    scoring_settings(world.project, rubric, overlap=2)
    return rubric


@pytest.fixture
def lead(world):
    return client_for(world.lead)


def _url(name, world, **kwargs):
    return reverse(f"review:{name}", kwargs={"slug": world.project.slug, **kwargs})


def _disputed(world, rubric):
    item = SessionItemFactory(project=world.project)
    submit_review(item, rubric, reviewer=world.reviewer, empathy=0, focus=2, comment="Cold.")
    submit_review(item, rubric, empathy=4, focus=None, flags=["pii"], comment="Warm.")
    return item_status_refresh(item=item)


def test_settings_form_saves_and_renders_guidelines_safely(world, lead, rubric):
    response = lead.post(
        _url("lead_settings", world),
        {
            "name": "Clinic",
            "guidelines": "Read the **whole** session.\n\n<script>alert(1)</script>",
            "rubric": rubric.pk,
            "task_kinds": ["scoring", "pairwise"],
            "overlap": 3,
            "queue_order": "depth",
            "triage_control_share": "0.1",
            "reservation_minutes": 45,
            "adjudication_spread": "2",
            "calibration_pass_share": "0.8",
            "calibration_tolerance": "1",
        },
    )
    assert response.status_code == 302
    settings = ReviewSettings.objects.get(project=world.project)
    assert (settings.overlap, settings.reservation_minutes) == (3, 45)

    page = lead.get(_url("lead_settings", world)).content.decode()
    assert "<strong>whole</strong>" in page
    assert "<script>alert(1)</script>" not in page
    overview = lead.get(_url("lead_project", world)).content.decode()
    assert "<strong>whole</strong>" in overview


def test_settings_form_names_the_field_of_a_refused_change(world, lead, rubric):
    response = lead.post(
        _url("lead_settings", world),
        {
            "name": "Clinic",
            "rubric": "",
            "task_kinds": ["scoring"],
            "overlap": 2,
            "queue_order": "depth",
            "triage_control_share": "0.1",
            "reservation_minutes": 30,
            "adjudication_spread": "2",
            "calibration_pass_share": "0.8",
            "calibration_tolerance": "1",
        },
    )
    assert response.status_code == 200
    assert "Session scoring needs a rubric version." in response.content.decode()
    assert ReviewSettings.objects.get(project=world.project).rubric == rubric


def test_members_page_adds_changes_and_removes(world, lead):
    newcomer = UserFactory(username="dr-chen")
    lead.post(_url("lead_members", world), {"username": "dr-chen", "role": "reviewer"})
    assert Membership.objects.get(project=world.project, user=newcomer).role == Role.REVIEWER
    lead.post(_url("lead_members", world), {"username": "dr-chen", "role": "lead"})
    assert Membership.objects.get(project=world.project, user=newcomer).role == Role.LEAD
    response = lead.post(_url("lead_members", world), {"username": "nobody", "role": "reviewer"})
    assert "There is no account named" in response.content.decode()
    lead.post(_url("lead_member_remove", world, user_id=newcomer.pk))
    assert not Membership.objects.filter(project=world.project, user=newcomer).exists()
    assert AuditEvent.objects.filter(action__startswith="review.member").count() == 3


def test_adding_items_by_filter_and_by_selection(world, lead, rubric):
    cactus = [SessionFactory(project=world.project, source_format="cactus") for _ in range(3)]
    SessionFactory(project=world.project, source_format="messages")

    page = lead.get(_url("lead_item_add", world) + "?source_format=cactus").content.decode()
    assert "3 sessions match." in page
    lead.post(
        _url("lead_item_add", world) + "?source_format=cactus",
        {"kind": "session", "scope": "selected", "sessions": [cactus[0].pk]},
    )
    assert set(Item.objects.values_list("session_id", flat=True)) == {cactus[0].pk}
    response = lead.post(
        _url("lead_item_add", world) + "?source_format=cactus",
        {"kind": "session", "scope": "all"},
        follow=True,
    )
    assert "2 items added; 1 already in the project." in response.content.decode()
    assert Item.objects.filter(project=world.project).count() == 3

    items = lead.get(_url("lead_items", world)).content.decode()
    assert items.count("0/2") == 3


def test_item_page_shows_reviews_side_by_side_with_rationales_and_audit(world, lead, rubric):
    item = _disputed(world, rubric)
    page = lead.get(_url("lead_item", world, item_id=item.pk)).content.decode()
    assert "empathy rationale by reviewer" in page
    assert "Cold." in page
    assert "Warm." in page
    assert "pii" in page
    assert "I keep thinking I will fail my exams." in page  # the conversation
    assert "review.item.status" in page  # its audit trail


def test_adjudication_queue_and_page_record_the_final_word(world, lead, rubric):
    item = _disputed(world, rubric)
    queue = lead.get(_url("lead_adjudication", world)).content.decode()
    assert _url("lead_adjudicate", world, item_id=item.pk) in queue

    refused = lead.post(
        _url("lead_adjudicate", world, item_id=item.pk),
        {"score-empathy": "2", "score-focus": "na", "reason": ""},
    )
    assert refused.status_code == 400
    assert "reason is required" in refused.content.decode()
    assert not Adjudication.objects.exists()

    response = lead.post(
        _url("lead_adjudicate", world, item_id=item.pk),
        {"score-empathy": "2", "score-focus": "na", "reason": "Mixed: reflective but rushed."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Item.Status.REVIEWED
    assert Adjudication.objects.get(item=item).scores == {"empathy": 2, "focus": None}
    assert (
        _url("lead_adjudicate", world, item_id=item.pk)
        not in lead.get(_url("lead_adjudication", world)).content.decode()
    )


def test_pair_adjudication_by_choice(world, lead, rubric):
    pair = PairItemFactory(project=world.project)
    submit_judgment(pair, "a")
    submit_judgment(pair, "both_bad")
    item_status_refresh(item=pair)
    page = lead.get(_url("lead_adjudicate", world, item_id=pair.pk)).content.decode()
    assert "Both unacceptable" in page
    lead.post(
        _url("lead_adjudicate", world, item_id=pair.pk),
        {"choice": "a", "reason": "A is acceptable and warm."},
    )
    pair.refresh_from_db()
    assert pair.status == Item.Status.REVIEWED


def test_approve_and_reject_from_the_item_page(world, lead, rubric):
    item = SessionItemFactory(project=world.project)
    submit_review(item, rubric, empathy=3, focus=3)
    submit_review(item, rubric, empathy=3, focus=3)
    item_status_refresh(item=item)
    lead.post(_url("lead_item_decide", world, item_id=item.pk), {"decision": "approve"})
    item.refresh_from_db()
    assert item.status == Item.Status.APPROVED

    other = SessionItemFactory(project=world.project)
    lead.post(
        _url("lead_item_decide", world, item_id=other.pk),
        {"decision": "reject", "reason": "Not a counseling session."},
    )
    other.refresh_from_db()
    assert other.status == Item.Status.REJECTED
    event = AuditEvent.objects.get(action="review.item.reject")
    assert event.reason == "Not a counseling session."


def test_bulk_approval_previews_then_approves_what_the_rule_takes(world, lead, rubric):
    good = SessionItemFactory(project=world.project)
    submit_review(good, rubric, empathy=4, focus=4)
    submit_review(good, rubric, empathy=4, focus=3)
    item_status_refresh(item=good)
    weak = SessionItemFactory(project=world.project)
    submit_review(weak, rubric, empathy=1, focus=1)
    submit_review(weak, rubric, empathy=1, focus=1)
    item_status_refresh(item=weak)

    preview = lead.get(
        _url("lead_approval", world) + "?kind=session&min_total=6&without_flags=on"
    ).content.decode()
    assert "1 item matches the rule" in preview
    assert Item.objects.get(pk=good.pk).status == Item.Status.REVIEWED  # preview changes nothing

    lead.post(
        _url("lead_approval", world), {"kind": "session", "min_total": "6", "without_flags": "on"}
    )
    assert Item.objects.get(pk=good.pk).status == Item.Status.APPROVED
    assert Item.objects.get(pk=weak.pk).status == Item.Status.REVIEWED


def test_gold_form_and_calibration_page(world, lead, rubric):
    ReviewSettings.objects.filter(project=world.project).update(require_calibration=True)
    items = [SessionItemFactory(project=world.project) for _ in range(3)]
    for item in items:
        lead.post(
            _url("lead_item_gold", world, item_id=item.pk),
            {"gold-empathy": "3", "gold-focus": ""},
        )
        submit_review(item, rubric, reviewer=world.reviewer, empathy=Decimal(2), focus=1)
    assert all(Item.objects.get(pk=item.pk).gold_scores == {"empathy": 3} for item in items)

    page = lead.get(_url("lead_calibration", world)).content.decode()
    assert "3/3" in page
    assert "passed" in page
    assert "100%" in page
    overview = lead.get(_url("lead_project", world)).content.decode()
    assert "passed" in overview


def test_reviewer_page_shows_what_they_did(world, lead, rubric):
    _disputed(world, rubric)
    from core.audit import AuditAction, audit_record

    audit_record(actor=world.reviewer, action=AuditAction.REVIEW_SUBMIT, project=world.project)
    page = lead.get(_url("lead_reviewer", world, user_id=world.reviewer.pk)).content.decode()
    assert "review.review.submit" in page
    assert "Submitted" in page


def test_pages_work_in_chinese(world, lead, rubric):
    item = _disputed(world, rubric)
    lead.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    for name, kwargs in [
        ("lead_project", {}),
        ("lead_items", {}),
        ("lead_adjudicate", {"item_id": item.pk}),
        ("lead_calibration", {}),
        ("lead_approval", {}),
    ]:
        page = lead.get(_url(name, world, **kwargs)).content.decode()
        assert '<html lang="zh-hans">' in page
        assert "裁定" in page


def test_every_lead_change_is_on_record_with_before_and_after(world, lead, rubric):
    """A lead's changes are on record: settings, members, items, gold, adjudication, decisions."""
    UserFactory(username="dr-li")
    session = SessionFactory(project=world.project)
    lead.post(
        _url("lead_settings", world),
        {
            "name": "Clinic",
            "rubric": rubric.pk,
            "task_kinds": ["scoring"],
            "overlap": 2,
            "queue_order": "depth",
            "triage_control_share": "0.1",
            "reservation_minutes": 15,
            "adjudication_spread": "2",
            "calibration_pass_share": "0.8",
            "calibration_tolerance": "1",
        },
    )
    lead.post(_url("lead_members", world), {"username": "dr-li", "role": "reviewer"})
    lead.post(_url("lead_item_add", world), {"kind": "session", "scope": "all"})
    item = Item.objects.get(session=session)
    lead.post(_url("lead_item_gold", world, item_id=item.pk), {"gold-empathy": "2"})
    submit_review(item, rubric, empathy=0, focus=1)
    submit_review(item, rubric, empathy=4, focus=1)
    item_status_refresh(item=item, actor=world.lead)
    lead.post(
        _url("lead_adjudicate", world, item_id=item.pk),
        {"score-empathy": "2", "score-focus": "1", "reason": "Anchors fit a 2."},
    )
    lead.post(_url("lead_item_decide", world, item_id=item.pk), {"decision": "approve"})

    events = AuditEvent.objects.filter(project=world.project, actor=world.lead).order_by("pk")
    actions = [event.action for event in events]
    for action in (
        "review.settings.update",
        "review.member.set",
        "review.items.add",
        "review.item.gold",
        "review.item.adjudicate",
        "review.item.status",
        "review.item.approve",
    ):
        assert action in actions
    # Creations have nothing before them; every change records both sides.
    creations = {"review.items.add", "review.member.set"}
    for event in events:
        assert event.after is not None, event.action
        if event.action not in creations:
            assert event.before is not None, event.action
    settings_event = events.get(action="review.settings.update")
    assert settings_event.before["reservation_minutes"] == 30
    assert settings_event.after["reservation_minutes"] == 15
    decision = events.get(action="review.item.approve")
    assert (decision.before, decision.after) == ({"status": "reviewed"}, {"status": "approved"})


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "http://testserver\\@evil.example/",
        "\x00",
    ],
)
def test_a_decision_never_sends_the_lead_off_the_site(world, lead, rubric, target):
    item = SessionItemFactory(project=world.project)
    response = lead.post(
        _url("lead_item_decide", world, item_id=item.pk), {"decision": "reject", "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == _url("lead_item", world, item_id=item.pk)


def test_a_decision_returns_to_a_page_of_the_site(world, lead, rubric):
    item = SessionItemFactory(project=world.project)
    back = _url("lead_items", world) + "?status=reviewed"
    response = lead.post(
        _url("lead_item_decide", world, item_id=item.pk), {"decision": "reject", "next": back}
    )

    assert response["Location"] == back


def test_the_members_form_answers_alike_for_a_staff_account_and_a_missing_one(world, lead):
    UserFactory(username="admin-ana", is_staff=True)
    pages = {
        name: lead.post(_url("lead_members", world), {"username": name, "role": "reviewer"})
        for name in ("admin-ana", "nobody-here")
    }

    assert not Membership.objects.filter(project=world.project, user__username="admin-ana")
    texts = [
        re.sub(r"csrf[^\"]*\"[^\"]*\"|[A-Za-z0-9]{64}", "", page.content.decode()).replace(
            name, "NAME"
        )
        for name, page in pages.items()
    ]
    assert texts[0].count("There is no account named") == 1
    assert texts[0] == texts[1]


@pytest.mark.parametrize("page", ["lead_members", "lead_item_add", "lead_approval", "lead_item"])
def test_every_lead_form_labels_its_fields_in_sentence_case(page):
    world = review_world(items=1, reviewers=1, pairs=1)
    kwargs = {"item_id": world.items[0].pk} if page == "lead_item" else {}
    html = client_for(world.lead).get(_url(page, world, **kwargs)).content.decode()

    # Field labels, not the session names that label the tick boxes of a table's rows.
    fields = re.sub(r"<td[ >].*?</td>", "", html, flags=re.S)
    labels = [
        re.sub(r"<[^>]+>", "", text).strip()
        for text in re.findall(r"<label[^>]*>(.*?)</label>", fields, re.S)
    ]

    assert labels, "the page has a form"
    lower = [text for text in labels if text[:1].isalpha() and text[:1].islower()]
    assert lower == [], f"labels not in sentence case: {lower}"
