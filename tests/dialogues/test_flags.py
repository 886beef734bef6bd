"""Flags from screening: built on import, listed on the session page, cleared by a lead."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from core.audit import audit_events_for_project
from core.models import Role
from dialogues.models import Flag
from dialogues.screening import Hit, screen_text
from dialogues.services.flags import (
    SAFETY_QUESTION_REASON,
    FlagError,
    flag_clear,
    flag_reopen,
    flags_for_hits,
)
from dialogues.templatetags.screening import flag_category, highlight
from tests.conftest import client_for
from tests.dialogues.factories import FlagFactory, SessionFactory
from tests.dialogues.importing import conversation, jsonl, run_import
from tests.factories import ProjectFactory, member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def open_flag(world):
    session = SessionFactory(
        project=world.project,
        turns=[("client", "Some nights I want to end my life."), ("counselor", "Thank you.")],
    )
    turn = session.turns.get(index=0)
    return FlagFactory(
        session=session,
        turn=turn,
        speaker="client",
        category="suicidal",
        matched_text="end my life",
        start=22,
        end=33,
    )


# --- building flags -------------------------------------------------------------------------


def test_an_import_flags_crisis_and_personal_data_on_their_turns() -> None:
    project = ProjectFactory()
    record = conversation(
        ("client", "My name is Dana Fox. Lately I want to kill myself."),
        ("counselor", "Have you had any thoughts of ending your life before?"),
        ("client", "我的手机是13812345678。"),
        id="risk-1",
    )
    batch = run_import(project, [("risk.jsonl", jsonl(record))])

    flags = {
        (f.turn.index, f.speaker, f.kind, f.category, f.matched_text, f.status)
        for f in Flag.objects.select_related("turn")
    }
    assert flags == {
        (0, "client", "pii", "name", "Dana Fox", "open"),
        (0, "client", "crisis", "suicidal", "kill myself", "open"),
        (1, "counselor", "crisis", "suicidal", "ending your life", "cleared"),
        (2, "client", "pii", "phone", "13812345678", "open"),
    }
    assert batch.flags_created == 4
    for flag in Flag.objects.select_related("turn"):
        assert flag.turn.text[flag.start : flag.end] == flag.matched_text
        assert flag.detector == "rapport-rules-2"


def test_a_counselors_safety_question_is_cleared_by_screening_but_a_clients_is_not(world) -> None:
    session = SessionFactory(project=world.project)
    question = "Have you thought about killing yourself?"
    hits = screen_text(question)

    (counselor,) = flags_for_hits(session=session, hits=hits, speaker="counselor")
    (client,) = flags_for_hits(session=session, hits=hits, speaker="client")

    assert (counselor.status, counselor.clear_reason) == ("cleared", SAFETY_QUESTION_REASON)
    assert counselor.cleared_at is not None
    assert counselor.cleared_by is None
    assert client.status == "open"


def test_a_negated_crisis_statement_stays_open_for_a_lead_to_judge(world) -> None:
    session = SessionFactory(project=world.project)
    hits = screen_text("I would never hurt myself.")
    (flag,) = flags_for_hits(session=session, hits=hits, speaker="client")
    assert flag.status == "open"


def test_a_very_long_match_is_cut_to_the_column(world) -> None:
    session = SessionFactory(project=world.project)
    url = "https://example.com/" + "a" * 900
    (flag,) = flags_for_hits(session=session, hits=screen_text(url), speaker="client")
    flag.save()
    assert len(flag.matched_text) == 500


# --- clearing and reopening -----------------------------------------------------------------


def test_a_lead_clears_a_flag_with_a_reason_and_the_audit_log_records_it(world, open_flag) -> None:
    flag = flag_clear(
        flag=open_flag, user=world.lead, reason="Role-play line in a training script."
    )

    flag.refresh_from_db()
    assert (flag.status, flag.cleared_by, flag.clear_reason) == (
        "cleared",
        world.lead,
        "Role-play line in a training script.",
    )
    (event,) = audit_events_for_project(project=world.project, obj=flag)
    assert (event.action, event.actor, event.reason) == (
        "dialogues.flag.clear",
        world.lead,
        "Role-play line in a training script.",
    )
    assert event.before["status"] == "open"
    assert event.after["status"] == "cleared"


@pytest.mark.parametrize("reason", ["", "   "])
def test_clearing_needs_a_reason(world, open_flag, reason) -> None:
    with pytest.raises(FlagError, match="Say why"):
        flag_clear(flag=open_flag, user=world.lead, reason=reason)
    open_flag.refresh_from_db()
    assert open_flag.status == "open"
    assert not audit_events_for_project(project=world.project).exists()


@pytest.mark.parametrize("role", ["reviewer", "trainer", "outsider"])
def test_only_a_lead_of_the_project_may_clear(world, open_flag, role) -> None:
    with pytest.raises(PermissionDenied):
        flag_clear(flag=open_flag, user=getattr(world, role), reason="fine")
    open_flag.refresh_from_db()
    assert open_flag.status == "open"


def test_a_cleared_flag_cannot_be_cleared_again(world, open_flag) -> None:
    flag_clear(flag=open_flag, user=world.lead, reason="fine")
    with pytest.raises(FlagError, match="already cleared"):
        flag_clear(flag=open_flag, user=world.lead, reason="again")


def test_a_lead_reopens_a_cleared_flag_and_it_is_audited(world, open_flag) -> None:
    flag_clear(flag=open_flag, user=world.lead, reason="fine")
    flag = flag_reopen(flag=open_flag, user=world.lead, reason="Cleared too quickly.")
    flag.refresh_from_db()
    assert (flag.status, flag.cleared_by, flag.clear_reason) == ("open", None, "")
    actions = [e.action for e in audit_events_for_project(project=world.project, obj=flag)]
    assert actions == ["dialogues.flag.reopen", "dialogues.flag.clear"]


# --- the clear view -------------------------------------------------------------------------


def test_the_htmx_clear_swaps_in_the_cleared_row(world, open_flag) -> None:
    url = reverse("dialogues:flag_clear", args=[open_flag.pk])
    response = client_for(world.lead).post(url, {"reason": "Quoted from a novel."}, **HTMX)

    assert response.status_code == 200
    row = response.content.decode()
    assert row.strip().startswith(f'<tr id="flag-{open_flag.pk}"')
    assert "Cleared" in row
    assert "Quoted from a novel." in row
    assert "by lead" in row
    assert reverse("dialogues:flag_reopen", args=[open_flag.pk]) in row
    open_flag.refresh_from_db()
    assert open_flag.status == "cleared"


def test_the_htmx_clear_without_a_reason_shows_the_error_in_the_row(world, open_flag) -> None:
    url = reverse("dialogues:flag_clear", args=[open_flag.pk])
    response = client_for(world.lead).post(url, {"reason": ""}, **HTMX)

    row = response.content.decode()
    assert 'role="alert"' in row
    assert "Say why the flag can be cleared." in row
    open_flag.refresh_from_db()
    assert open_flag.status == "open"


def test_without_javascript_the_clear_returns_to_the_session_page(world, open_flag) -> None:
    client = client_for(world.lead)
    url = reverse("dialogues:flag_clear", args=[open_flag.pk])
    response = client.post(url, {"reason": "Fine."}, follow=True)

    assert response.redirect_chain[-1][0].startswith(
        reverse("dialogues:session_detail", args=[open_flag.session_id])
    )
    page = response.content.decode()
    assert "The flag is cleared." in page
    assert "Fine." in page


@pytest.mark.parametrize(
    ("role", "status"), [("reviewer", 403), ("trainer", 403), ("outsider", 404)]
)
def test_the_clear_view_refuses_others(world, open_flag, role, status) -> None:
    url = reverse("dialogues:flag_clear", args=[open_flag.pk])
    response = client_for(getattr(world, role)).post(url, {"reason": "nope"})
    assert response.status_code == status
    open_flag.refresh_from_db()
    assert open_flag.status == "open"


def test_the_session_page_lists_flags_with_category_turn_speaker_and_form(world, open_flag) -> None:
    FlagFactory(
        session=open_flag.session,
        turn=open_flag.turn,
        speaker="client",
        kind="pii",
        category="cn_id",
        matched_text="Some",
        start=0,
        end=4,
        status="cleared",
        clear_reason=SAFETY_QUESTION_REASON,
    )
    url = reverse("dialogues:session_detail", args=[open_flag.session_id])
    page = client_for(world.lead).get(url).content.decode()

    assert f'id="flag-{open_flag.pk}"' in page
    assert "Suicidal thoughts" in page
    assert "Resident ID number" in page
    assert 'href="#turn-1"' in page
    assert reverse("dialogues:flag_clear", args=[open_flag.pk]) in page
    assert 'name="reason"' in page
    assert '<mark class="flag-pii">Some</mark> nights I want to ' in page
    assert '<mark class="flag-crisis">end my life</mark>.' in page


def test_a_question_and_a_negation_are_labelled_in_the_list(world) -> None:
    session = SessionFactory(
        project=world.project,
        turns=[
            ("counselor", "Do you ever want to hurt yourself?"),
            ("client", "I'm not suicidal."),
        ],
    )
    for turn in session.turns.all():
        for flag in flags_for_hits(
            session=session,
            hits=screen_text(turn.text),
            speaker=turn.speaker,
            turn=turn,
        ):
            flag.save()
    page = (
        client_for(world.lead)
        .get(reverse("dialogues:session_detail", args=[session.pk]))
        .content.decode()
    )
    assert "asked as a question" in page
    assert "negated" in page
    assert "Safety question asked by the counselor; cleared by screening." in page


# --- highlighting ---------------------------------------------------------------------------


def _hit(start: int, end: int, kind: str = "crisis") -> Hit:
    return Hit(kind, "suicidal", start, end, "", "test")


def test_highlight_escapes_the_text_and_marks_the_span() -> None:
    text = "<script>alert(1)</script> I want to die <img src=x onerror=alert(2)>"
    start = text.index("want to die")
    html = highlight(text, [_hit(start, start + len("want to die"))])
    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; I "
        '<mark class="flag-crisis">want to die</mark>'
        " &lt;img src=x onerror=alert(2)&gt;"
    )


def test_highlight_escapes_markup_inside_the_matched_span() -> None:
    text = "see <img src=x onerror=alert(1)> now"
    html = highlight(text, [_hit(4, 32, "pii")])
    assert html == 'see <mark class="flag-pii">&lt;img src=x onerror=alert(1)&gt;</mark> now'


def test_highlight_merges_overlaps_and_ignores_spans_outside_the_text() -> None:
    html = highlight("abcdefgh", [_hit(1, 4, "pii"), _hit(3, 6), _hit(5, 50), _hit(-1, 2)])
    assert html == 'a<mark class="flag-crisis">bcdef</mark>gh'


def test_highlight_in_a_template_is_not_escaped_twice() -> None:
    rendered = Template("{% load screening %}{{ text|highlight:marks }}").render(
        Context({"text": "a < b", "marks": [_hit(0, 1)]})
    )
    assert rendered == '<mark class="flag-crisis">a</mark> &lt; b'


def test_category_names_are_translated_to_chinese() -> None:
    with translation.override("zh-hans"):
        assert flag_category("suicidal") == "自杀念头"
        assert flag_category("cn_id") == "居民身份证号"
    assert flag_category("suicidal") == "Suicidal thoughts"
    assert flag_category("something_new") == "something_new"


def test_a_project_of_their_own_does_not_let_a_lead_clear_elsewhere(world, open_flag) -> None:
    other_lead = member(ProjectFactory(), Role.LEAD, "other-lead")
    url = reverse("dialogues:flag_clear", args=[open_flag.pk])
    assert client_for(other_lead).post(url, {"reason": "x"}).status_code == 404


# --- mixed-language sessions ------------------------------------------------------------------


def test_chinese_crisis_words_are_flagged_in_a_session_detected_as_english() -> None:
    """The session's language is a guess from its text; a turn in another script is still
    screened by that script's rules."""
    project = ProjectFactory()
    record = {
        "messages": [
            {"role": "user", "content": "我不想活了。"},
            {"role": "assistant", "content": "Thank you for telling me."},
        ]
    }
    batch = run_import(project, [("mixed.jsonl", jsonl(record))])

    assert [(f.turn.index, f.category, f.matched_text) for f in Flag.objects.all()] == [
        (0, "suicidal", "不想活")
    ]
    assert batch.flags_created == 1


def test_chinese_words_inside_an_english_turn_are_flagged() -> None:
    project = ProjectFactory()
    record = conversation(
        ("client", "Work has been hard. Honestly 我不想活了, I am so tired of everything."),
        ("counselor", "I hear how exhausted you are. Can you tell me more about that?"),
        ("client", "I just sit in my room after work and do not talk to anyone."),
        id="mixed-2",
    )
    run_import(project, [("mixed.jsonl", jsonl(record))])

    assert [(f.turn.index, f.category, f.matched_text) for f in Flag.objects.all()] == [
        (0, "suicidal", "不想活")
    ]


def test_english_crisis_words_inside_a_chinese_session_are_flagged() -> None:
    project = ProjectFactory()
    record = conversation(
        ("client", "最近工作压力很大，每天都睡不着，感觉什么都没有意义。"),
        ("counselor", "听起来你这段时间很辛苦，能多说一些吗？"),
        ("client", "我男朋友说我太敏感了。Sometimes I want to kill myself, 真的。"),
        id="mixed-3",
    )
    run_import(project, [("mixed.jsonl", jsonl(record))])

    assert [(f.turn.index, f.category, f.matched_text) for f in Flag.objects.all()] == [
        (2, "suicidal", "kill myself")
    ]
