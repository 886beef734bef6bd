"""A lead brings sessions in from a bucket prefix and copies an approved export version out to
one, from the pages, against the S3 test server: the job's progress and result are shown, and a
location off the operator's allow-list is refused with a message that says so."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from core.models import Role
from dialogues.models import ImportBatch
from exports.services.building import export_version_approve, export_version_start
from tests.browser.conftest import login
from tests.dialogues.importing import EXAM, SLEEP, jsonl
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member
from tests.s3 import new_bucket

REFUSED = "not a bucket location Rapport may use"


@pytest.fixture
def page(browser: Browser, live_server, transactional_db) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """The harness's page, except that the refused import form answers 400 on purpose (as an
    invalid upload form does), which Chromium reports in the console; any other error is not."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="en-US"
    )
    page = context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type != "error":
            return
        refused_form = "/sessions/import/bucket/" in message.location["url"]
        if "status of 400" in message.text and refused_form:
            return
        errors.append(message.text)

    page.on("console", on_console)
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture
def team(s3_bucket, settings):  # type: ignore[no-untyped-def]
    """A training team's bucket beside Rapport's own: files to import, a folder for exports."""
    bucket = new_bucket(s3_bucket.endpoint)
    bucket.put("incoming/cactus/exam.jsonl", jsonl(EXAM))
    bucket.put("incoming/cactus/more/sleep.jsonl", jsonl(SLEEP))
    bucket.put("private/secret.jsonl", jsonl(EXAM))
    settings.BUCKETS_ALLOWED = [f"{bucket.name}/incoming", f"{bucket.name}/exports"]
    return bucket


def test_a_lead_imports_from_an_allowed_prefix_and_is_refused_another(
    page: Page, team, s3_bucket
) -> None:
    lead = member(ProjectFactory(slug="clinic", name="Clinic"), Role.LEAD, "lead")
    login(page, lead)
    page.goto("/sessions/import/?project=clinic")
    section = page.locator("#from-bucket")
    expect(section).to_contain_text(f"{team.name}/incoming")

    section.get_by_label("Bucket location").fill(f"s3://{team.name}/private/")
    section.get_by_role("button", name="Import from the bucket").click()
    expect(page.get_by_text(REFUSED).first).to_be_visible()
    assert ImportBatch.objects.count() == 0

    section = page.locator("#from-bucket")
    section.get_by_label("Bucket location").fill(f"s3://{team.name}/incoming/cactus/")
    section.get_by_role("button", name="Import from the bucket").click()

    batch = ImportBatch.objects.get()
    expect(page).to_have_url(f"{page.url.split('/sessions/')[0]}/sessions/batches/{batch.pk}/")
    progress = page.locator("#job-progress")
    expect(progress).to_contain_text("Succeeded")
    expect(progress.locator("progress")).to_be_visible()
    expect(page.locator("#batch-summary .count-created")).to_have_text("2")
    # The batch's files were copied into Rapport's own bucket.
    assert len(s3_bucket.keys(f"{s3_bucket.prefix}/imports/")) == 2


def test_a_lead_copies_an_approved_version_to_an_allowed_prefix(
    page: Page, team, s3_bucket
) -> None:
    project = ProjectFactory(slug="clinic", name="Clinic")
    lead = member(project, Role.LEAD, "lead")
    rubric = published_rubric()
    for n in range(4):
        approved_session(
            project=project,
            rubric=rubric,
            people=reviewers(),
            scores={"empathy": [n % 4, 3], "structure": [3, 3]},
            turns=[("client", f"Client speech {n} about worry."), ("counselor", f"Reply {n}.")],
        )
    specification = ExportSpecificationFactory(projects=[project], name="Clinic SFT")
    version = export_version_start(specification=specification, user=lead)
    version.refresh_from_db()
    export_version_approve(version=version, user=lead)
    login(page, lead)
    page.goto(f"/exports/versions/{version.pk}/")
    card = page.locator(".export-to-bucket")

    card.get_by_label("Bucket location").fill(f"s3://{s3_bucket.name}/{s3_bucket.prefix}/")
    card.get_by_role("button", name="Copy to the bucket").click()
    expect(page.get_by_text(REFUSED).first).to_be_visible()

    card = page.locator(".export-to-bucket")
    card.get_by_label("Bucket location").fill(f"s3://{team.name}/exports/week1/")
    card.get_by_role("button", name="Copy to the bucket").click()

    expect(page.locator("h1")).to_contain_text("Copy to a bucket")
    progress = page.locator("#job-progress")
    expect(progress).to_contain_text("Succeeded")
    expect(progress).to_contain_text(f"s3://{team.name}/exports/week1/Clinic-SFT-v1/")
    prefix = "exports/week1/Clinic-SFT-v1/"
    manifest = json.loads(team.read(prefix + "manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(team.read(prefix + entry["path"])).hexdigest() == entry["sha256"]
