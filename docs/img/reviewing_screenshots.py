"""Take the screenshots in docs/reviewing.md from a running demo (`make demo`).

    .venv/bin/python docs/img/reviewing_screenshots.py BASE_URL CREDENTIALS PAIR_ITEM DISPUTED_ITEM

BASE_URL is the demo's address, CREDENTIALS var/demo_credentials.json, PAIR_ITEM a pending pair
reserved for demo-reviewer-2 and DISPUTED_ITEM a session item that needs adjudication.

The reviewer pages reserve items, so run it on a fresh demo database, not on real work. A
pending pair is reserved for demo-reviewer-2 from ``manage.py shell`` with
``review.services.assignment._take``. Chinese sessions need a CJK font for Chromium (Debian's
fonts-noto-cjk), or they show as boxes.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).parent


def _login(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def _shot(page: Page, name: str, url: str | None = None, full: bool = False) -> None:
    if url:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    sys.stdout.write(f"wrote {name}\n")


def main(base_url: str, credentials_file: str, pair_item: str, disputed_item: str) -> None:
    credentials = json.loads(Path(credentials_file).read_text())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))

        def new_page(username: str) -> Page:
            context = browser.new_context(
                base_url=base_url, viewport={"width": 1280, "height": 860}, locale="en-US"
            )
            page = context.new_page()
            _login(page, username, credentials[username])
            return page

        reviewer = new_page("demo-reviewer-1")
        _shot(reviewer, "reviewer-home", "/review/")
        resume = reviewer.get_by_role("link", name="Continue your item")
        if resume.count():
            resume.click()
        else:
            reviewer.get_by_role("button", name="Next item").click()
        reviewer.wait_for_selector("[data-keys-ready]")
        for key in ("4", "j", "5", "j", "4"):
            reviewer.keyboard.press(key)
        _shot(reviewer, "reviewer-scoring")

        second = new_page("demo-reviewer-2")
        _shot(second, "reviewer-pairwise", f"/review/demo/items/{pair_item}/")

        lead = new_page("demo-lead")
        _shot(lead, "lead-overview", "/review/demo/lead/", full=True)
        _shot(lead, "lead-adjudication-queue", "/review/demo/lead/adjudication/")
        _shot(
            lead, "lead-adjudicate", f"/review/demo/lead/adjudication/{disputed_item}/", full=True
        )
        _shot(lead, "lead-items", "/review/demo/lead/items/")
        _shot(lead, "lead-add-items", "/review/demo/lead/items/add/?language=zh")
        _shot(
            lead,
            "lead-approval",
            "/review/demo/lead/approval/?kind=session&min_total=40&without_flags=on",
        )
        _shot(lead, "lead-settings", "/review/demo/lead/settings/", full=True)

        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
