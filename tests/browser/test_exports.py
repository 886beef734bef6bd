"""A lead specifies, builds, inspects and approves an export; a trainer downloads it."""

import io
import json
import zipfile

from playwright.sync_api import Browser, Page, expect

from core.models import AuditEvent, Role
from exports.models import ExportVersion
from tests.browser.conftest import login
from tests.exports.records import approved_session, published_rubric, reviewers
from tests.factories import ProjectFactory, member


def test_lead_builds_inspects_and_approves_then_trainer_downloads(
    page: Page, browser: Browser, live_server, settings, tmp_path
) -> None:
    settings.EXPORTS_ROOT = tmp_path / "exports"
    project = ProjectFactory(slug="clinic", name="Clinic")
    lead = member(project, Role.LEAD, "lead")
    trainer = member(project, Role.TRAINER, "trainer")
    rubric = published_rubric()
    people = reviewers()
    for n in range(12):
        approved_session(
            project=project,
            rubric=rubric,
            people=people,
            scores={"empathy": [3, 4], "structure": [2, 3]},
            turns=[("client", f"Worry number {n} keeps me up."), ("counselor", f"Reply {n}.")],
        )

    login(page, lead)
    page.get_by_role("link", name="Exports").first.click()
    page.get_by_role("link", name="New export specification").click()
    page.get_by_label("Name").fill("Clinic sessions")
    page.get_by_label("Clinic").check()
    page.get_by_label("Kind").select_option("sft")
    page.locator("#id_system_prompt_mode").select_option("fixed")
    page.get_by_label("System prompt text").fill("You are a warm, careful counselor.")
    page.get_by_role("button", name="Save specification").click()
    expect(page.locator("h1")).to_have_text("Clinic sessions")

    page.get_by_role("button", name="Build a new version").click()
    expect(page.locator("h1")).to_have_text("Clinic sessions, version 1")
    expect(page.locator("#version-progress")).to_contain_text("Built, awaiting approval")
    counts = page.locator("table").first
    expect(counts).to_contain_text("train")
    # Shares read as percentages, not as raw fractions such as 0.772727.
    shares = counts.locator("tbody td:nth-child(6)").all_inner_texts()
    assert shares
    assert all(share.endswith("%") for share in shares), shares
    expect(page.get_by_text("Approved items considered")).to_be_visible()
    expect(page.locator(".export-sample").first).to_contain_text(
        "You are a warm, careful counselor."
    )
    expect(page.get_by_text("Score distributions")).to_be_visible()

    page.get_by_role("button", name="Approve this export").click()
    expect(page.locator("#version-progress")).to_contain_text("Approved")
    version = ExportVersion.objects.get()
    assert version.status == ExportVersion.Status.APPROVED
    assert version.approved_by == lead
    # Agreement is shown per criterion even though the specification set no bar.
    expect(page.get_by_text("Agreement at export time")).to_be_visible()
    expect(page.get_by_text("empathy (clinic)")).to_contain_text("(no bar)")

    # A second version, after a lead's adjudication changed one item's scores, compared.
    from review.models import Adjudication, Item

    changed = Item.objects.filter(project=project).order_by("pk").first()
    Adjudication.objects.create(
        item=changed, rubric=rubric, scores={"empathy": 4, "structure": 3}, reason="Re-read"
    )
    page.get_by_role("link", name="← Clinic sessions").click()
    page.get_by_role("button", name="Build a new version").click()
    expect(page.locator("#version-progress")).to_contain_text("Built, awaiting approval")
    page.locator("#compare-with").select_option(label="1")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("h1")).to_have_text("Version 1 → version 2")
    expect(page.locator(".export-changed")).to_have_text("1")
    expect(page.get_by_role("listitem").filter(has_text=f"item-{changed.pk}")).to_be_visible()
    page.go_back()

    trainer_context = browser.new_context(base_url=live_server.url, locale="en-US")
    trainer_page = trainer_context.new_page()
    login(trainer_page, trainer)
    trainer_page.get_by_role("link", name="Exports").first.click()
    trainer_page.get_by_role("link", name="Clinic sessions, version 1").click()
    with trainer_page.expect_download() as download_info:
        trainer_page.get_by_role("link", name="Download everything (zip)").click()
    download = download_info.value
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    manifest = json.loads(archive.read("Clinic-sessions-v1/manifest.json"))
    assert sum(split["rows"] for split in manifest["counts"].values()) == 12
    trainer_context.close()

    event = AuditEvent.objects.get(action="exports.download")
    assert event.actor == trainer
    assert event.after["file"] == "Clinic-sessions-v1.zip"
