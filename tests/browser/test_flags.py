"""In the browser: a screened session shows its flags; a lead clears one in place."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from core.models import Role
from dialogues.models import Flag, Session
from tests.browser.conftest import login
from tests.dialogues.importing import conversation, jsonl, run_import
from tests.factories import ProjectFactory, member


def test_a_lead_sees_highlighted_flags_and_clears_one_without_leaving_the_page(
    page: Page,
) -> None:
    project = ProjectFactory(slug="clinic")
    lead = member(project, Role.LEAD, "lead")
    record = conversation(
        ("client", "<script>document.title='owned'</script> Lately I want to kill myself."),
        ("counselor", 'Have you had thoughts of ending your life? <img src=x onerror="alert(1)">'),
        ("client", "我的手机是13812345678。"),
        id="risk-1",
    )
    run_import(project, [("risk.jsonl", jsonl(record))])
    session = Session.objects.get()
    crisis = Flag.objects.get(category="suicidal", speaker="client")

    login(page, lead)
    page.goto(f"/sessions/{session.pk}/")

    first_turn = page.locator("#turn-1 .chat-text")
    expect(first_turn).to_contain_text("<script>document.title='owned'</script>")
    expect(first_turn.locator("mark")).to_have_text("kill myself")
    expect(page.locator("#turn-3 .chat-text mark")).to_have_text("13812345678")
    assert page.title() != "owned"

    row = page.locator(f"#flag-{crisis.pk}")
    expect(row).to_contain_text("Suicidal thoughts")
    expect(row).to_contain_text("turn 1")
    expect(row).to_contain_text("Open")
    question = page.locator("tr.flag-row", has_text="ending your life")
    expect(question).to_contain_text("asked as a question")
    expect(question).to_contain_text("cleared by screening")

    # A marker on the window survives an htmx swap but not a page load.
    page.evaluate("window.stillHere = true")
    row.get_by_label("Reason for clearing").fill("Line from a role-play script.")
    row.get_by_role("button", name="Clear flag").click()

    row = page.locator(f"#flag-{crisis.pk}")
    expect(row).to_contain_text("Cleared")
    expect(row).to_contain_text("Line from a role-play script.")
    expect(row).to_contain_text("by lead")
    assert page.evaluate("window.stillHere === true")
    crisis.refresh_from_db()
    assert crisis.status == Flag.Status.CLEARED

    row.get_by_role("button", name="Reopen").click()
    expect(page.locator(f"#flag-{crisis.pk}")).to_contain_text("Open")
    crisis.refresh_from_db()
    assert crisis.status == Flag.Status.OPEN
