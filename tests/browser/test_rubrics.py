"""A lead builds a rubric in the browser, publishes it and reads it in Chinese."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from core.models import Role
from rubrics.models import Rubric
from tests.browser.conftest import login
from tests.factories import ProjectFactory, member
from tests.rubrics.conftest import small_rubric_data, write


def _add_criterion(page: Page, fields: dict[str, str], kind: str = "range") -> None:
    page.get_by_role("link", name="Add criterion").click()
    page.get_by_label("Scale", exact=True).select_option(kind)
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Criterion saved.")).to_be_visible()


def test_a_lead_creates_publishes_and_reads_a_rubric_in_chinese(page: Page) -> None:
    lead = member(ProjectFactory(slug="clinic"), Role.LEAD, "lead")
    login(page, lead)
    page.locator("nav.mainnav").get_by_role("link", name="Rubrics").click()
    page.get_by_role("link", name="New rubric").click()

    page.get_by_label("Slug").fill("warmth")
    page.get_by_label("Name (English)").fill("Warmth check")
    page.get_by_label("Name (Simplified Chinese)").fill("温暖度检查")
    page.get_by_label("Scope").select_option("response")
    page.get_by_label("Cut-off").fill("3")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("Draft created. Now add its criteria.")).to_be_visible()

    _add_criterion(
        page,
        {
            "Code": "tone",
            "Title (English)": "Warm tone",
            "Title (Simplified Chinese)": "语气温暖",
            "Lowest score": "0",
            "Highest score": "4",
            "Anchors (English)": "0: Cold\n4: Warm throughout",
            "Anchors (Simplified Chinese)": "0: 冷淡\n4: 始终温暖",
        },
    )
    _add_criterion(
        page,
        {
            "Code": "safe",
            "Title (English)": "No harmful advice",
            "Title (Simplified Chinese)": "没有有害建议",
            "Points when met": "1",
        },
        kind="binary",
    )
    expect(page.get_by_text("The draft passes every check.")).to_be_visible()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. This version can no longer change.")).to_be_visible()
    expect(page.get_by_role("heading", name="Warmth check")).to_be_visible()
    # The preview offers the reviewer's choices: five levels for the range, met / not met.
    expect(page.locator('input[name="score-tone"]')).to_have_count(5)
    expect(page.locator('input[name="score-safe"]')).to_have_count(2)
    page.locator("summary", has_text="Anchors").first.click()
    expect(page.get_by_text("Warm throughout")).to_be_visible()

    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", name="温暖度检查")).to_be_visible()
    expect(page.get_by_text("语气温暖")).to_be_visible()
    expect(page.get_by_text("没有有害建议")).to_be_visible()
    expect(page.get_by_text("未达到")).to_be_visible()
    page.locator("summary", has_text="锚点").first.click()
    expect(page.get_by_text("始终温暖")).to_be_visible()

    rubric = Rubric.objects.get(slug="warmth")
    assert rubric.status == Rubric.Status.PUBLISHED
    assert [c.code for c in rubric.criteria.all()] == ["tone", "safe"]


def test_a_lead_imports_a_file_and_downloads_it_again(page: Page, tmp_path: Path) -> None:
    lead = member(ProjectFactory(slug="clinic"), Role.LEAD, "lead")
    path = write(tmp_path, small_rubric_data())
    login(page, lead)
    page.goto("/rubrics/")
    page.get_by_role("link", name="Import a rubric file").click()
    page.get_by_label("Rubric file").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("The rubric was imported.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download rubric file").click()
    download = download_info.value
    assert download.suggested_filename == "small-v1.yaml"
    assert Path(download.path()).read_text(encoding="utf-8").startswith("format: 1\nslug: small\n")
