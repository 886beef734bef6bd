"""The lead's agreement dashboard, its CSV, judge pages; reviewers never see judge numbers."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from core.models import AuditEvent, Job, Membership, Role
from review.models import AgreementSnapshot, Item, JudgeConfig
from review.services.item_status import item_status_refresh
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.review.test_agreement_service import lenient_judge, scored_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard():
    project, rubric, items = scored_project()
    lead, reviewer = UserFactory(username="lead"), UserFactory(username="ana-colleague")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    Membership.objects.create(project=project, user=reviewer, role=Role.REVIEWER)
    config = lenient_judge(project, rubric, items)
    return {
        "project": project,
        "items": items,
        "lead": lead,
        "reviewer": reviewer,
        "config": config,
    }


def test_the_lead_sees_alpha_per_criterion_and_the_judges_alignment(dashboard):
    url = reverse("review:agreement_project", args=["clinic"])
    page = client_for(dashboard["lead"]).get(url).content.decode()

    assert 'data-criterion="warmth"' in page
    assert 'data-judge="lenient"' in page
    assert "Alpha with the judge" in page
    assert "<svg" in page
    assert "Where reviewers disagree most" in page


def test_the_csv_holds_every_number_shown(dashboard):
    url = reverse("review:agreement_download", args=["clinic"])
    response = client_for(dashboard["lead"]).get(url)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    assert rows[0] == ["section", "judge", "criterion", "rater_or_item", "statistic", "value"]
    by_key = {(r[0], r[1], r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert ("criterion", "", "warmth", "", "alpha") in by_key
    assert float(by_key[("judge", "lenient", "warmth", "", "bias")]) > 0
    assert ("judge", "lenient", "warmth", "", "with_judge_alpha") in by_key
    assert ("reviewer", "", "warmth", "ana", "bias") in by_key
    assert 'filename="agreement-clinic-skills-v1.csv"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("review:agreement_project", {}),
        ("review:agreement_download", {}),
        ("review:judge_detail", {"judge_id": None}),
    ],
)
def test_reviewers_never_see_judge_numbers(dashboard, name, kwargs):
    if "judge_id" in kwargs:
        kwargs = {"judge_id": dashboard["config"].pk}
    response = client_for(dashboard["reviewer"]).get(
        reverse(name, kwargs={"slug": "clinic", **kwargs})
    )
    assert response.status_code == 403
    assert b"lenient" not in response.content


def test_a_lead_sends_an_item_back_from_the_disagreements(dashboard):
    item = item_status_refresh(item=dashboard["items"][1])
    url = reverse("review:agreement_send_back", args=["clinic", item.pk])

    response = client_for(dashboard["lead"]).post(url, {"reason": "Far apart on warmth"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Item.Status.IN_REVIEW
    assert AuditEvent.objects.filter(
        action="review.item.sent_back", actor=dashboard["lead"]
    ).exists()


def test_a_decided_item_among_the_disagreements_offers_no_send_back(dashboard):
    """Sending back an approved or rejected item is refused; the page does not offer it."""
    url = reverse("review:agreement_project", args=["clinic"])
    client = client_for(dashboard["lead"])
    rows = re.findall(r'<tr data-item="(\d+)">(.*?)</tr>', client.get(url).content.decode(), re.S)
    assert rows, "the report lists disagreements"
    decided = int(rows[0][0])
    Item.objects.filter(pk=decided).update(status=Item.Status.APPROVED)
    AgreementSnapshot.objects.all().delete()

    rows = dict(
        re.findall(r'<tr data-item="(\d+)">(.*?)</tr>', client.get(url).content.decode(), re.S)
    )

    assert "Send back to review" not in rows[str(decided)]
    assert "cannot be sent back" in rows[str(decided)]
    others = [row for number, row in rows.items() if number != str(decided)]
    assert all("Send back to review" in row for row in others)


def test_a_judge_is_configured_in_the_browser_without_its_key(dashboard, settings):
    settings.JUDGE_API_KEYS = {"local_qwen": "sk-local"}
    client = client_for(dashboard["lead"])
    url = reverse("review:judge_create", args=["clinic"])
    data = {
        "name": "local-qwen",
        "base_url": "http://127.0.0.1:8000/v1",
        "model": "qwen2.5-7b-instruct",
        "api_key_name": "sk-live-abc123",
        "prompt_version": "v1",
        "language": "zh",
        "temperature": "0",
        "samples": "1",
        "few_shot": "0",
        "max_tokens": "800",
        "concurrency": "8",
        "timeout": "30",
        "retries": "2",
        "use_json_schema": "on",
        "price_prompt_per_1k": "0",
        "price_completion_per_1k": "0",
    }

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "not one of the keys this server" in refused.content.decode()
    assert not JudgeConfig.objects.filter(name="local-qwen").exists()

    saved = client.post(url, {**data, "api_key_name": "local_qwen"})
    config = JudgeConfig.objects.get(name="local-qwen")
    assert saved["Location"] == reverse("review:judge_detail", args=["clinic", config.pk])
    assert (config.api_key_name, config.language, config.concurrency) == ("local_qwen", "zh", 8)
    assert AuditEvent.objects.filter(action="review.judge.configured").exists()

    duplicate = client.post(url, {**data, "api_key_name": "", "name": "lenient"})
    assert "already has a judge with this name" in duplicate.content.decode()


def test_starting_a_run_whose_key_the_operator_removed_says_so(dashboard, settings):
    settings.JUDGE_API_KEYS = {"other": "sk-other"}
    dashboard["config"].api_key_name = "retired"
    dashboard["config"].save()
    url = reverse("review:judge_run", args=["clinic", dashboard["config"].pk])
    response = client_for(dashboard["lead"]).post(url, follow=True)
    assert "not one of the keys this server" in response.content.decode()
    assert "sk-other" not in response.content.decode()


def test_the_home_lists_only_projects_the_user_leads(dashboard):
    page = client_for(dashboard["lead"]).get(reverse("review:agreement_home")).content.decode()
    assert reverse("review:agreement_project", args=["clinic"]) in page
    page = client_for(dashboard["reviewer"]).get(reverse("review:agreement_home")).content.decode()
    assert reverse("review:agreement_project", args=["clinic"]) not in page


def test_a_large_project_is_computed_in_the_background_then_shown(
    dashboard, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("review.services.agreement_cache.INLINE_LIMIT", 0)
    client = client_for(dashboard["lead"])
    url = reverse("review:agreement_project", args=["clinic"])

    waiting = client.get(url).content.decode()
    assert "computed in the background" in waiting
    assert 'data-criterion="warmth"' not in waiting

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:agreement_recompute", args=["clinic"]))
    job = Job.objects.get(kind="review.agreement_refresh")
    assert job.status == Job.Status.SUCCEEDED, job.error_report
    assert job.kind_label == "Agreement refresh"

    shown = client.get(url).content.decode()
    assert 'data-criterion="warmth"' in shown
    assert 'data-judge="lenient"' in shown


def test_a_large_reports_csv_waits_for_the_background_job(dashboard, monkeypatch):
    monkeypatch.setattr("review.services.agreement_cache.INLINE_LIMIT", 0)
    client = client_for(dashboard["lead"])

    response = client.get(reverse("review:agreement_download", args=["clinic"]), follow=True)

    assert response["Content-Type"].startswith("text/html")
    assert "the CSV can be downloaded once the job has finished" in response.content.decode()
    assert not AgreementSnapshot.objects.exists()


def _numbers_on_the_page(page: str) -> set[str]:
    """Every number in a table cell or a chart bar's tooltip of the dashboard."""
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', page)
    bars = re.findall(r"<rect class=\"chart-bar[^>]*><title>[^<]*: ([^<]*)</title>", page)
    numbers = set()
    for text in [*cells, *bars]:
        for part in re.findall(r"[-+]?\d+(?:\.\d+)?", text.replace("\u2212", "-")):
            numbers.add(part)
    return numbers


def test_every_number_on_the_dashboard_is_in_the_csv(dashboard):
    client = client_for(dashboard["lead"])
    page = client.get(reverse("review:agreement_project", args=["clinic"])).content.decode()
    response = client.get(reverse("review:agreement_download", args=["clinic"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    values = [float(r[5]) for r in rows[1:] if re.fullmatch(r"-?\d+(\.\d+)?(e-?\d+)?", r[5])]

    shown = _numbers_on_the_page(page)
    assert len(shown) > 20
    missing = [
        number
        for number in sorted(shown)
        if not any(
            abs(value - float(number)) <= 0.5 * 10 ** -len(number.partition(".")[2]) + 1e-9
            for value in values
        )
    ]
    assert missing == []
    by_key = {(r[0], r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert ("disagreement", "warmth", str(dashboard["items"][1].pk), "n") in by_key
    assert ("reviewer", "", "ana", "mean_bias") in by_key


def test_the_lead_sees_the_pairs_a_judge_decided_against_the_reviewers(client):
    from review.models import PairwiseJudgment
    from tests.factories import ProjectFactory
    from tests.review.agreement_judges import judge_pair_choices
    from tests.review.factories import (
        AssignmentFactory,
        PairItemFactory,
        PairwiseJudgmentFactory,
        ReviewSettingsFactory,
    )

    project = ProjectFactory(slug="pairs")
    ReviewSettingsFactory(project=project)
    lead = UserFactory(username="pair-lead")
    Membership.objects.create(project=project, user=lead, role=Role.LEAD)
    people = [UserFactory(username=name) for name in ("ana", "ben", "cai")]
    items = [PairItemFactory(project=project) for _ in range(3)]
    votes = [("a", "a", "a"), ("b", "b", "a"), ("a", "a", "b")]
    for item, choices in zip(items, votes, strict=True):
        for reviewer, choice in zip(people, choices, strict=True):
            PairwiseJudgmentFactory(
                assignment=AssignmentFactory(item=item, reviewer=reviewer),
                choice=choice,
                status=PairwiseJudgment.Status.SUBMITTED,
            )
    config = JudgeConfig.objects.create(
        project=project, name="pairs", base_url="http://127.0.0.1:9/v1", model="m", api_key_name=""
    )
    # Against the unanimous panel on the first pair and the 2-of-3 majority on the second.
    judge_pair_choices(config, {items[0]: ("b", "b"), items[1]: ("a", "a"), items[2]: ("a", "a")})
    lead_client = client_for(lead)

    page = lead_client.get(reverse("review:agreement_project", args=["pairs"])).content.decode()
    response = lead_client.get(reverse("review:agreement_download", args=["pairs"]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    listed = page[page.index('class="pair-disagreements"') :]
    listed = listed[: listed.index("</details>")]
    cells = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(<td>(?:(?!</tr>).)*)</tr>", listed, re.S)
    ]
    # Item, the reviewers' majority, how many chose it, the judge's choice (then send back).
    assert [row[:4] for row in cells] == [
        [f"#{items[0].pk}", "A is better", "3 of 3", "B is better"],
        [f"#{items[1].pk}", "B is better", "2 of 3", "A is better"],
    ]
    by_key = {(r[0], r[3], r[4]): r[5] for r in rows[1:]}
    assert by_key[("judge_pair_disagreement", str(items[0].pk), "majority")] == "a"
    assert by_key[("judge_pair_disagreement", str(items[0].pk), "judge")] == "b"
    assert by_key[("judge_pair_disagreement", str(items[1].pk), "votes")] == "2"
    assert ("judge_pair_disagreement", str(items[2].pk), "judge") not in by_key


def test_the_csv_never_hands_a_spreadsheet_a_formula(dashboard):
    # Names come from leads and rating files; a spreadsheet would run a cell starting like a
    # formula, so such cells are quoted while numbers (negative ones too) stay numbers.
    User.objects.filter(username="ben").update(username="@SUM(1)")
    lenient_judge(
        dashboard["project"],
        dashboard["config"].rubric,
        dashboard["items"],
        name='=HYPERLINK("http://x","judge")',
    )
    response = client_for(dashboard["lead"]).get(
        reverse("review:agreement_download", args=["clinic"])
    )
    body = b"".join(response.streaming_content)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "section"
    cells = {cell for row in rows for cell in row}
    assert '\'=HYPERLINK("http://x","judge")' in cells
    assert "'@SUM(1)" in cells
    assert not any(cell[:1] in ("=", "@", "+") for cell in cells)
    biases = [float(r[5]) for r in rows if r[0] == "reviewer" and r[4] == "bias"]
    assert min(biases) < 0
