"""A lead creates the next review project in the browser and finds it ready to set up."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from core.models import Membership, Project, Role
from review.models import ReviewSettings
from tests.browser.conftest import login
from tests.review.reviewer_world import review_world


def test_a_lead_creates_a_project_from_the_start_page(page: Page) -> None:
    world = review_world(items=0, reviewers=1)
    login(page, world.lead)
    page.goto("/review/")

    page.get_by_role("link", name="New review project").click()
    page.get_by_label("Project name").fill("Autumn round")
    page.get_by_label("Slug").fill("autumn-round")
    page.get_by_label("Rubric version").select_option(str(world.rubric.pk))
    page.get_by_label("Session scoring").check()
    page.get_by_label("Reviewers per item").fill("3")
    page.get_by_label("Due date").fill("2031-10-31")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_text("Project Autumn round created; you lead it.")).to_be_visible()
    expect(page.locator("body")).to_contain_text("2031-10-31")
    project = Project.objects.get(slug="autumn-round")
    assert Membership.objects.get(project=project, user=world.lead).role == Role.LEAD
    settings = ReviewSettings.objects.get(project=project)
    assert (settings.overlap, settings.rubric_id) == (3, world.rubric.pk)

    # The reviewer of the first project may not create one: no link, and the page refuses.
    page.context.clear_cookies()
    login(page, world.reviewers[0])
    page.goto("/review/")
    expect(page.get_by_role("link", name="New review project")).to_have_count(0)
    # Asked for directly (outside the page, which would log the refusal as a console error).
    assert page.request.get("/review/new/").status == 403


def test_the_new_project_form_writes_every_label_the_same_way(page: Page) -> None:
    world = review_world(items=0, reviewers=1)
    login(page, world.lead)
    page.goto("/review/new/")

    labels = [
        text.strip()
        for text in page.locator("form.form label, form.form legend").all_inner_texts()
        if text.strip()
    ]

    assert "Slug:" in labels
    lower = [text for text in labels if text[0].isalpha() and text[0].islower()]
    assert lower == [], f"labels not in sentence case: {lower}"
