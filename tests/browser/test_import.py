"""Acceptance 5: a lead uploads a file, watches the import, finds the sessions and opens one."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from core.models import Role
from dialogues.models import ImportBatch
from tests.browser.conftest import login
from tests.factories import ProjectFactory, member


def _conversations(path: Path) -> Path:
    records = [
        {
            "id": "exam-1",
            "topic": "study",
            "messages": [
                {"role": "user", "content": "I keep thinking I will fail my exams."},
                {"role": "assistant", "content": "What goes through your mind when you study?"},
            ],
        },
        {
            "id": "sleep-1",
            "messages": [
                {"role": "user", "content": "我最近总是睡不着。<script>alert('x')</script>"},
                {
                    "role": "assistant",
                    "content": '<img src=x onerror="alert(1)">听起来你压力很大。',
                },
            ],
        },
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return path


def test_a_lead_imports_a_file_and_reads_a_session(page: Page, tmp_path: Path) -> None:
    lead = member(ProjectFactory(slug="clinic", name="Clinic"), Role.LEAD, "lead")
    login(page, lead)
    page.locator("nav.mainnav").get_by_role("link", name="Sessions").click()
    expect(page.locator("h1")).to_contain_text("Sessions · Clinic")
    page.get_by_role("link", name="Import sessions").first.click()

    page.get_by_label("Files").set_input_files(str(_conversations(tmp_path / "chats.jsonl")))
    expect(page.locator("#import-chosen")).to_contain_text("chats.jsonl")
    page.get_by_label("Format").select_option("messages")
    page.get_by_role("button", name="Import").click()

    # The batch page follows the job to its end and then shows what it did.
    batch = ImportBatch.objects.get()
    expect(page).to_have_url(f"{page.url.split('/sessions/')[0]}/sessions/batches/{batch.pk}/")
    progress = page.locator("#job-progress")
    expect(progress).to_contain_text("Succeeded")
    expect(progress.locator("progress")).to_be_visible()
    summary = page.locator("#batch-summary")
    expect(summary.locator(".count-created")).to_have_text("2")
    expect(summary.locator(".count-duplicates")).to_have_text("0")
    expect(summary.locator(".count-invalid")).to_have_text("0")

    summary.get_by_role("link", name="See the sessions of this batch").click()
    rows = page.locator("#session-results tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Search").fill("睡不着")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("sleep-1")
    assert "q=" in page.url

    rows.first.get_by_role("link", name="sleep-1").click()
    turns = page.locator(".chat-turn")
    expect(turns).to_have_count(2)
    expect(turns.nth(0)).to_have_class("chat-turn speaker-client")
    expect(turns.nth(0).locator(".turn-number")).to_have_text("1")
    expect(turns.nth(0)).to_contain_text("<script>alert('x')</script>")
    expect(turns.nth(1)).to_have_class("chat-turn speaker-counselor")
    expect(turns.nth(1)).to_contain_text('<img src=x onerror="alert(1)">听起来你压力很大。')
    # The markup arrived as text: no element was made from it.
    assert page.locator(".chat-turn img, .chat-turn script").count() == 0

    # Importing the same file again creates nothing and says so.
    page.goto("/sessions/import/?project=clinic")
    page.get_by_label("Files").set_input_files(str(tmp_path / "chats.jsonl"))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#batch-summary .count-duplicates")).to_have_text("2")
    expect(page.locator("#batch-summary .count-created")).to_have_text("0")
