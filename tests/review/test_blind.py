"""A reviewer who has not submitted sees none of the others' scores, nor judges'.

Every route of the review app (tests/review/routes_*.py) is classified below as showing scores or
not. A route that is in neither list fails ``test_every_review_route_is_classified``, so a new
page, fragment, API view or download cannot ship without being put through the blind check.

The check builds a session item and a pair item on which another reviewer has submitted work
with distinctive marker text and numbers, and imported (judge) ratings with their own markers;
the blind reviewer holds a slot on both items with a draft of their own. Each score-showing
route is then requested as the blind reviewer (as a page and as an htmx request): none of the
markers may appear. Where the route is one the blind reviewer may open, their own draft must
appear, so a route that answered an empty page or an error would not pass unnoticed. A control
shows the markers do reach the people allowed to see them (the lead, or the reviewer once they
have submitted on a project that reveals reviews), so the check cannot pass vacuously.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from core.models import Role
from dialogues.models import SourceRating
from review.models import (
    Assignment,
    JudgeConfig,
    JudgeItemSignal,
    JudgeResult,
    JudgeRun,
    PairwiseJudgment,
    Review,
    ReviewSettings,
)
from rubrics.models import Rubric
from tests.factories import ProjectFactory, member
from tests.review.factories import (
    AssignmentFactory,
    PairItemFactory,
    PairwiseJudgmentFactory,
    ReviewFactory,
    ReviewSettingsFactory,
    ScoreFactory,
    SessionItemFactory,
)
from tests.review.routes import ROUTES
from tests.rubrics.factories import CriterionFactory, RubricFactory

# What the other reviewer and the judges wrote. Numbers have enough digits that they cannot turn
# up by chance (ids are small; timestamps carry no such decimals).
OTHER_MARKERS = (
    "ZEBRA-RATIONALE-OTHER",
    "QUOKKA-COMMENT-OTHER",
    "PANGOLIN-PAIR-RATIONALE-OTHER",
    "8642.135",
    "9753.864",
)
JUDGE_MARKERS = (
    "NARWHAL-JUDGE-RATER",
    "6283.517",
    # An LLM judge's answers: a scored session, a pair in both orders, an unparsable answer.
    "OCELOT-LLM-JUDGE-RATIONALE",
    "7531.246",
    "AXOLOTL-LLM-PAIR-RATIONALE",
    "TAPIR-LLM-RAW-ANSWER",
    # A judge's signals on an item (its score on 0..1 and how unsure it is).
    "0.918273645",
)
OWN_MARKER = "OWN-DRAFT-RATIONALE"


@dataclass(frozen=True)
class ShowsScores:
    """How to request a score-showing route, and what must hold for it.

    ``opens``: the blind reviewer may open it (so it must answer one of ``statuses`` and show
    ``expect``) or is refused (403 / 404).
    ``expect``: what proves the route rendered the item: "own" (the blind reviewer's own draft
    text) or "conversation" (the item's turns).
    ``control``: who demonstrably sees the others' markers here: "lead", "revealed" (the
    reviewer after submitting, where the project reveals reviews), or "" when the route shows
    only the caller's own work to everyone.
    ``follow``: the route answers with a redirect to a page, which is what is checked.
    """

    method: str = "GET"
    data: dict[str, Any] = field(default_factory=dict)
    opens: bool = True
    expect: str = "own"
    control: str = ""
    statuses: tuple[int, ...] = (200,)
    follow: bool = False


# Routes that show reviews, scores, judgments, judge ratings or anything computed from them.
SHOWS_SCORES: dict[str, ShowsScores] = {
    # The reviewer's pages (the scoring and pairwise page, and the forms that answer with it).
    "review:item": ShowsScores(control="revealed"),
    # An incomplete submission and an edit of an unsubmitted review are refused by going back
    # to the item's page with the problems; an empty rewrite re-renders the page.
    "review:item_submit": ShowsScores(method="POST", expect="conversation", follow=True),
    "review:item_edit": ShowsScores(method="POST", expect="conversation", follow=True),
    # The lead's pages: every review side by side, queues ordered by disagreement, calibration
    # results, a reviewer's work. A reviewer is refused them all.
    "review:lead_project": ShowsScores(opens=False),
    "review:lead_items": ShowsScores(opens=False),
    "review:lead_item": ShowsScores(opens=False, control="lead"),
    # Its audit trail holds every score before and after each change.
    "review:lead_item_audit": ShowsScores(opens=False),
    "review:lead_adjudication": ShowsScores(opens=False),
    "review:lead_adjudicate": ShowsScores(opens=False, control="lead"),
    "review:lead_approval": ShowsScores(opens=False),
    "review:lead_calibration": ShowsScores(opens=False),
    "review:lead_reviewer": ShowsScores(opens=False),
    # The API.
    "api_review_next": ShowsScores(method="POST"),
    "api_review_item": ShowsScores(),
    # The body keeps the blind reviewer's own draft text (a pair's rationale, a review's comment).
    "api_review_draft": ShowsScores(
        method="PUT", data={"comment": OWN_MARKER, "rationale": OWN_MARKER}
    ),
    "api_review_item_reviews": ShowsScores(control="revealed"),
    "api_review_status": ShowsScores(opens=False),
    # Agreement and judges: every number there is computed from reviews and judge scores, and
    # a judge's page shows its raw answers. Leads only.
    "review:agreement_project": ShowsScores(opens=False),
    "review:agreement_download": ShowsScores(opens=False),
    "review:judge_detail": ShowsScores(opens=False),
    "api_agreement": ShowsScores(opens=False),
    "api_judges": ShowsScores(opens=False),
    "api_judge_run": ShowsScores(opens=False),
    # The judges' signals per item, and the triage bands made from them: where the judges
    # are unsure is what a reviewer must not learn before submitting. Leads only.
    "review:judge_run_signals": ShowsScores(opens=False),
    "api_judge_run_signals": ShowsScores(opens=False),
    "api_review_queue": ShowsScores(opens=False),
    # A judge's alignment with the reviewers per prompt version, computed from both.
    "api_judge_prompt_history": ShowsScores(opens=False),
}

# Routes that show no scores, each with the reason. Those answering GET are still requested
# as the blind reviewer below, and must not show any marker either.
NO_SCORES: dict[str, str] = {
    "review:home": "the reviewer's projects and progress counts",
    "review:my_work": "the reviewer's own slots and their status",
    "review:item_next": "reserves a slot and redirects to the item page",
    "review:item_draft": "answers the one-line save status",
    "review:item_skip": "redirects",
    "review:item_rewrite": "creates a rewrite; refused, it shows the page's rewrite form errors",
    "review:item_finish": "redirects",
    "review:lead_settings": "the review settings and open items per triage band (leads only)",
    "review:project_create": "the form that creates a project",
    "review:lead_calibration_decide": "clears or withdraws a reviewer's calibration, redirects",
    "review:lead_members": "members and roles",
    "review:lead_member_remove": "removes a member and redirects",
    "review:lead_item_add": "the form that adds sessions as items",
    "review:lead_item_gold": "sets an item's expected scores and redirects",
    "review:lead_item_decide": "approves or rejects an item and redirects",
    "api_review_submit": "answers with the caller's own work, and the caller has then submitted",
    "api_review_skip": "answers 204 with no body",
    "review:agreement_home": "the names of the projects the caller leads",
    "review:agreement_recompute": "queues a background computation and redirects",
    "review:agreement_send_back": "adds a reviewer slot to an item and redirects",
    "review:judge_create": "an empty judge configuration form (leads only)",
    "review:judge_run": "starts a judge run and redirects",
    "review:judge_run_cancel": "cancels a judge run and redirects",
    "api_judge_run_start": "starts a judge run; answers the run's counts (leads only)",
    "api_agreement_recompute": "queues a background computation; answers the Job (leads only)",
}


def _walk(
    patterns: list[Any], namespace: str = "", params: frozenset[str] = frozenset()
) -> Iterator[tuple[str, frozenset[str]]]:
    for entry in patterns:
        names = params | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner, names)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", names


URL_PARAMS = dict(_walk(get_resolver().url_patterns))


def test_every_review_route_is_classified() -> None:
    names = {route.name for route in ROUTES}
    classified = set(SHOWS_SCORES) | set(NO_SCORES)
    assert not set(SHOWS_SCORES) & set(NO_SCORES), "a route is either showing scores or not"
    assert names - classified == set(), (
        "classify these routes in tests/review/test_blind.py (SHOWS_SCORES or NO_SCORES)"
    )
    assert classified - names == set(), "these classified routes no longer exist"


@dataclass
class Blind:
    project: Any
    blind: Any
    other: Any
    lead: Any
    session_item: Any
    pair_item: Any
    review: Review
    judgment: PairwiseJudgment

    def turn_text(self, target: str) -> str:
        item = self.session_item if target == "session" else self.pair_item
        return item.session.turns.order_by("index").values_list("text", flat=True)[0]

    def kwargs(self, name: str, target: str) -> dict[str, Any]:
        values = {
            "slug": self.project.slug,
            "user_id": self.other.pk,
            "item_id": (self.session_item if target == "session" else self.pair_item).pk,
        }
        if "judge_id" in URL_PARAMS[name] or "run_id" in URL_PARAMS[name]:
            judge, _created = JudgeConfig.objects.get_or_create(
                project=self.project,
                name="blind judge",
                defaults={"base_url": "http://127.0.0.1:9/v1", "model": "m", "api_key_name": ""},
            )
            run = JudgeRun.objects.filter(config=judge).first() or JudgeRun.objects.create(
                config=judge
            )
            values.update(judge_id=judge.pk, run_id=run.pk)
        params = URL_PARAMS[name]
        unknown = params - set(values)
        assert not unknown, f"teach Blind.kwargs the URL parameters {sorted(unknown)} of {name}"
        return {key: values[key] for key in params}


@pytest.fixture
def blind(db) -> Blind:
    project = ProjectFactory(slug="blind")
    rubric = RubricFactory(slug="blind-rubric", status=Rubric.Status.PUBLISHED)
    empathy = CriterionFactory(rubric=rubric, code="empathy", position=1)
    safety = CriterionFactory(rubric=rubric, code="safety", position=2)
    ReviewSettingsFactory(project=project, rubric=rubric, overlap=2)
    blind_user = member(project, Role.REVIEWER, "blindfold")
    other = member(project, Role.REVIEWER, "other")
    lead = member(project, Role.LEAD, "lead")
    session_item = SessionItemFactory(project=project)
    pair_item = PairItemFactory(project=project)

    # The other reviewer has submitted on both items.
    now = timezone.now()
    done = {"status": Assignment.Status.SUBMITTED, "submitted_at": now}
    other_review = ReviewFactory(
        assignment=AssignmentFactory(item=session_item, reviewer=other, **done),
        rubric=rubric,
        status=Review.Status.SUBMITTED,
        comment="QUOKKA-COMMENT-OTHER",
        total=Decimal("9753.864"),
        submitted_at=now,
    )
    ScoreFactory(
        review=other_review,
        criterion=empathy,
        value=Decimal("8642.135"),
        rationale="ZEBRA-RATIONALE-OTHER",
    )
    ScoreFactory(review=other_review, criterion=safety, value=Decimal(1))
    other_judgment = PairwiseJudgmentFactory(
        assignment=AssignmentFactory(item=pair_item, reviewer=other, **done),
        status=PairwiseJudgment.Status.SUBMITTED,
        choice="a",
        strength=3,
        rationale="PANGOLIN-PAIR-RATIONALE-OTHER",
        submitted_at=now,
    )
    for item in (session_item, pair_item):
        SourceRating.objects.create(
            session=item.session, criterion="empathy", score=6283.517, rater="NARWHAL-JUDGE-RATER"
        )

    judge = JudgeConfig.objects.create(
        project=project,
        name="blind judge",
        base_url="http://127.0.0.1:9/v1",
        model="m",
        api_key_name="",
        rubric=rubric,
    )
    answer = {
        "config": judge,
        "settings_fingerprint": judge.settings().fingerprint(),
        "prompt_version": "v1",
        "prompt_hash": "0" * 64,
        "status": JudgeResult.Status.OK,
    }
    JudgeResult.objects.create(
        **answer,
        item=session_item,
        rubric=rubric,
        fingerprint="s",
        scores={"empathy": 7531.246, "safety": 1},
        rationale="OCELOT-LLM-JUDGE-RATIONALE",
        raw_text='{"rationale": "OCELOT-LLM-JUDGE-RATIONALE", "empathy": 7531.246}',
    )
    for order in ("ab", "ba"):
        JudgeResult.objects.create(
            **answer,
            item=pair_item,
            order=order,
            fingerprint=order,
            choice="a",
            rationale="AXOLOTL-LLM-PAIR-RATIONALE",
            raw_text="AXOLOTL-LLM-PAIR-RATIONALE",
        )
    JudgeResult.objects.create(
        **{**answer, "status": JudgeResult.Status.UNPARSABLE},
        item=session_item,
        fingerprint="u",
        raw_text="TAPIR-LLM-RAW-ANSWER 7531.246",
    )

    run = JudgeRun.objects.create(config=judge, status=JudgeRun.Status.SUCCEEDED)
    JudgeItemSignal.objects.create(
        run=run, item=session_item, score=0.918273645, spread=0.918273645, uncertainty=0.5, n_ok=3
    )

    # The blind reviewer holds a slot on both, with a draft of their own.
    own = ReviewFactory(
        assignment=AssignmentFactory(item=session_item, reviewer=blind_user),
        rubric=rubric,
        comment=OWN_MARKER,
    )
    ScoreFactory(review=own, criterion=empathy, value=Decimal(2), rationale=OWN_MARKER)
    PairwiseJudgmentFactory(
        assignment=AssignmentFactory(item=pair_item, reviewer=blind_user),
        choice="b",
        strength=1,
        rationale=OWN_MARKER,
    )
    return Blind(
        project, blind_user, other, lead, session_item, pair_item, other_review, other_judgment
    )


def _content(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _request(client: Client, name: str, check: ShowsScores, kwargs: dict[str, Any], htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse(name, kwargs=kwargs)
    method = getattr(client, check.method.lower())
    if check.method in ("PUT", "PATCH"):
        body = json.dumps(check.data)
        return method(url, body, content_type="application/json", headers=headers)
    return method(url, check.data, headers=headers, follow=check.follow)


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in sorted(SHOWS_SCORES):
        if "item_id" in URL_PARAMS.get(name, ()):
            cases += [(name, "session"), (name, "pair")]
        else:
            cases.append((name, "project"))
    return cases


@pytest.mark.parametrize(("name", "target"), _cases(), ids=lambda value: str(value))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_reviewer_who_has_not_submitted_sees_no_other_scores(
    blind: Blind, name: str, target: str, htmx: bool
) -> None:
    check = SHOWS_SCORES[name]
    client = Client()
    client.force_login(blind.blind)

    response = _request(client, name, check, blind.kwargs(name, target), htmx)
    content = _content(response)

    for marker in OTHER_MARKERS + JUDGE_MARKERS:
        assert marker not in content, f"{name} ({target}) shows {marker} to a blind reviewer"
    if check.opens:
        assert response.status_code in check.statuses, (name, response.status_code)
        shown = OWN_MARKER if check.expect == "own" else blind.turn_text(target)
        assert shown in content, f"{name} ({target}) did not show the item"
    else:
        assert response.status_code in (403, 404), (name, response.status_code)


def _get_routes_without_scores() -> list[tuple[str, str]]:
    cases = []
    methods = {route.name: route.method for route in ROUTES}
    for name in sorted(NO_SCORES):
        if methods.get(name) != "GET":
            continue
        if "item_id" in URL_PARAMS.get(name, ()):
            cases += [(name, "session"), (name, "pair")]
        else:
            cases.append((name, "project"))
    return cases


@pytest.mark.parametrize(("name", "target"), _get_routes_without_scores(), ids=str)
def test_pages_said_to_show_no_scores_show_none_either(
    blind: Blind, name: str, target: str
) -> None:
    client = Client()
    client.force_login(blind.blind)

    response = client.get(reverse(name, kwargs=blind.kwargs(name, target)))
    content = _content(response)

    assert response.status_code in (200, 403), (name, response.status_code)
    for marker in OTHER_MARKERS + JUDGE_MARKERS:
        assert marker not in content, f"{name} ({target}) shows {marker} to a blind reviewer"


def _reveal_and_submit(blind: Blind) -> None:
    ReviewSettings.objects.filter(project=blind.project).update(reveal_after_submit=True)
    Assignment.objects.filter(reviewer=blind.blind).update(
        status=Assignment.Status.SUBMITTED, submitted_at=timezone.now()
    )
    Review.objects.filter(reviewer=blind.blind).update(status=Review.Status.SUBMITTED)
    PairwiseJudgment.objects.filter(reviewer=blind.blind).update(
        status=PairwiseJudgment.Status.SUBMITTED
    )


CONTROLLED = [(name, target) for name, target in _cases() if SHOWS_SCORES[name].control]


@pytest.mark.parametrize(("name", "target"), CONTROLLED, ids=lambda value: str(value))
def test_the_markers_do_reach_those_allowed_to_see_them(
    blind: Blind, name: str, target: str
) -> None:
    """The control: without it, a route that never shows anyone's scores would pass above."""
    check = SHOWS_SCORES[name]
    if check.control == "revealed":
        _reveal_and_submit(blind)
        viewer = blind.blind
    else:
        viewer = blind.lead
    client = Client()
    client.force_login(viewer)

    content = _content(_request(client, name, check, blind.kwargs(name, target), False))

    # A page may show the others' values without their rationales: any marker will do.
    shown = [marker for marker in OTHER_MARKERS if marker in content]
    assert shown, f"{name} ({target}) shows the others' work to no one"


def test_revealing_needs_both_the_project_setting_and_ones_own_submission(blind: Blind) -> None:
    """Submitting alone is not enough where the project keeps reviews hidden."""
    Assignment.objects.filter(reviewer=blind.blind).update(status=Assignment.Status.SUBMITTED)
    client = Client()
    client.force_login(blind.blind)
    url = reverse(
        "api_review_item_reviews",
        kwargs={"slug": blind.project.slug, "item_id": blind.session_item.pk},
    )

    assert "ZEBRA-RATIONALE-OTHER" not in _content(client.get(url))
    ReviewSettings.objects.filter(project=blind.project).update(reveal_after_submit=True)
    assert "ZEBRA-RATIONALE-OTHER" in _content(client.get(url))


def test_the_llm_judges_markers_do_reach_the_lead(blind: Blind) -> None:
    """The control for the LLM judge's answers: the lead sees them on the judge's page."""
    client = Client()
    client.force_login(blind.lead)
    judge = JudgeConfig.objects.get(project=blind.project, name="blind judge")

    content = _content(
        client.get(reverse("review:judge_detail", args=[blind.project.slug, judge.pk]))
    )

    assert "TAPIR-LLM-RAW-ANSWER" in content
    assert f'data-result="{JudgeResult.objects.get(fingerprint="s").pk}"' in content


def test_the_judges_signals_do_reach_the_lead(blind: Blind) -> None:
    """The control for the signals: the lead sees them in the API and on the signals page."""
    client = Client()
    client.force_login(blind.lead)
    run = JudgeRun.objects.get(config__project=blind.project, signals__isnull=False)

    api = client.get(reverse("api_judge_run_signals", args=[blind.project.slug, run.pk]))
    page = client.get(reverse("review:judge_run_signals", args=[blind.project.slug, run.pk]))

    assert "0.918273645" in _content(api)
    assert f'data-item="{blind.session_item.pk}"' in _content(page)
    assert "0.92" in _content(page)
