from playwright.sync_api import Page, expect

from core.models import Role
from tests.browser.conftest import login
from tests.factories import ProjectFactory, member


def test_sign_in_and_switch_the_whole_shell_to_chinese(page: Page) -> None:
    project = ProjectFactory(name="Clinic", slug="clinic")
    lead = member(project, Role.LEAD, "lead")

    login(page, lead)
    nav = page.locator("nav.mainnav")
    expect(nav.get_by_role("link", name="Jobs")).to_be_visible()
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()

    page.get_by_role("button", name="简体中文").click()

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="你的项目")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="任务")
    ).to_be_visible()
    expect(page.get_by_text("负责人").first).to_be_visible()
    expect(page.get_by_text("API 文档")).to_be_visible()

    # The choice sticks across pages.
    nav.get_by_role("link", name="任务").click()
    expect(page.get_by_role("heading", name="任务")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()


def test_signed_out_visitor_lands_on_the_sign_in_page(page: Page) -> None:
    page.goto("/jobs/")
    expect(page).to_have_url("/accounts/login/?next=/jobs/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(page: Page) -> None:
    user = member(ProjectFactory(), Role.REVIEWER, "someone")
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")


def test_pages_fit_a_tablet_width(page: Page) -> None:
    project = ProjectFactory(name="一个很长的中文项目名称，用来检查布局在平板宽度下不会被撑破" * 3)
    lead = member(project, Role.LEAD, "lead")
    page.set_viewport_size({"width": 768, "height": 1024})
    login(page, lead)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
