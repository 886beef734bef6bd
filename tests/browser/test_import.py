"""A lead uploads a file, watches the import, finds the sessions and opens one."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from core.models import Job, Role
from dialogues.models import ImportBatch
from dialogues.services import imports
from dialogues.tasks import IMPORT_KIND
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
    # The summary says what the job did; the job's raw result keys are not repeated above it.
    expect(progress.get_by_role("heading", name="Result")).to_have_count(0)
    page.reload()
    expect(page.locator("#batch-summary .count-created")).to_have_text("2")
    expect(page.locator("#job-progress").get_by_role("heading", name="Result")).to_have_count(0)

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


def _chats(count: int, prefix: str) -> str:
    lines = []
    for n in range(count):
        record = {
            "id": f"{prefix}-{n}",
            "messages": [
                {"role": "user", "content": f"{prefix} {n}: I lie awake going over the day."},
                {"role": "assistant", "content": "What is the first thought that keeps you up?"},
            ],
        }
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_the_batch_page_shows_the_bar_part_way_through_an_import(
    page: Page, tmp_path: Path, settings, monkeypatch
) -> None:
    """The import is held at the start of its second file, so the bar's position is known."""
    # Progress goes through its own connection, as in production, so it is visible while the
    # import's transaction is open.
    settings.JOB_PROGRESS_DATABASE = "jobs"
    started, release = threading.Event(), threading.Event()
    file_start = imports._ByteMeter.file_start

    def held(meter: imports._ByteMeter, message: str) -> None:
        file_start(meter, message)
        if meter.index == 1:
            started.set()
            release.wait(20)

    monkeypatch.setattr(imports._ByteMeter, "file_start", held)
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(_chats(30, "a"))
    second.write_text(_chats(10, "b"))
    lead = member(ProjectFactory(slug="clinic", name="Clinic"), Role.LEAD, "lead")
    login(page, lead)
    page.goto("/sessions/import/?project=clinic")
    page.get_by_label("Files").set_input_files([str(first), str(second)])
    page.get_by_role("button", name="Import").click(no_wait_after=True)
    try:
        assert started.wait(15), "the import did not reach its second file"
        # Tests run jobs inline, so the batch learns its job only after it ends; the job's own
        # page shows the same bar.
        job = Job.objects.get(kind=IMPORT_KIND)
        watcher = page.context.new_page()
        watcher.goto(f"/jobs/{job.pk}/")
        progress = watcher.locator("#job-progress")
        expect(progress).to_contain_text("Running")
        bar = progress.locator("progress")
        if connection.vendor == "postgresql":
            size = first.stat().st_size + second.stat().st_size
            expect(bar).to_have_attribute("max", str(size))
            expect(bar).to_have_attribute("value", str(first.stat().st_size))
            expect(progress).to_contain_text("file 2 of 2")
        else:
            # SQLite has one writer: the import holds it, so progress waits for the end. The
            # page still answers and says the job runs.
            expect(bar).to_have_attribute("value", "0")
    finally:
        release.set()
    expect(page.locator("#job-progress")).to_contain_text("Succeeded")
    expect(page.locator("#batch-summary .count-created")).to_have_text("40")
    bar = page.locator("#job-progress progress")
    expect(bar).to_have_attribute("value", bar.get_attribute("max") or "")


def test_a_file_dropped_on_the_zone_is_imported(page: Page, tmp_path: Path) -> None:
    lead = member(ProjectFactory(slug="clinic", name="Clinic"), Role.LEAD, "lead")
    login(page, lead)
    page.goto("/sessions/import/?project=clinic")
    content = _conversations(tmp_path / "dropped.jsonl").read_text()

    # A real drag from the desktop cannot be scripted; the drop event carries a DataTransfer
    # built in the page, as the browser builds it for a dropped file.
    transfer = page.evaluate_handle(
        """(content) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([content], "dropped.jsonl", {type: "application/jsonl"}));
            return transfer;
        }""",
        content,
    )
    zone = page.locator("#import-dropzone")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(zone).to_have_class("dropzone dropzone-active")
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone).to_have_class("dropzone")
    expect(page.locator("#import-chosen")).to_have_text("dropped.jsonl")
    page.get_by_role("button", name="Import").click()

    expect(page.locator("#job-progress")).to_contain_text("Succeeded")
    expect(page.locator("#batch-summary .count-created")).to_have_text("2")
    assert ImportBatch.objects.get().files[0]["name"] == "dropped.jsonl"
