"""Retake the screenshots of docs/reviewing.md: `make screenshots`.

A tool, not a test (pytest collects only test_*.py). It builds a fresh demo in a temporary
folder (SQLite, the demo's own data, nothing of var/ touched), serves it on a free port, takes
each picture in Chromium at 1280 px wide and writes it to docs/img/ as a palette PNG, which
keeps screenshots of text a fraction of their size.

Chinese sessions need a CJK font for Chromium (Debian's fonts-noto-cjk), or they show as boxes.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "img"
VIEWPORT = {"width": 1280, "height": 860}
# The reservation a screenshot of the pair page needs, and the items the lead's pictures show.
ITEMS = """
import json
from django.contrib.auth import get_user_model
from core.models import Project
from review.models import Item
from review.selectors.access import review_settings_for
from review.services.assignment import _take
project = Project.objects.get(slug="demo")
users = get_user_model().objects
settings = review_settings_for(project=project)
items = Item.objects.filter(project=project).order_by("pk")
session = items.filter(kind=Item.Kind.SESSION, status=Item.Status.PENDING).first()
_take(item_id=session.pk, project=project, reviewer=users.get(username="demo-reviewer-1"),
      settings=settings, calibrating=False)
pair = items.filter(kind=Item.Kind.PAIR, status=Item.Status.PENDING).first()
_take(item_id=pair.pk, project=project, reviewer=users.get(username="demo-reviewer-2"),
      settings=settings, calibrating=False)
disputed = items.filter(kind=Item.Kind.SESSION, status=Item.Status.NEEDS_ADJUDICATION).first()
print(json.dumps({"session": session.pk, "pair": pair.pk, "disputed": disputed.pk}))
"""


def _environment(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="1",
        OWN_ERROR_PAGES="1",
        RAPPORT_VAR_DIR=str(var),
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (http on loopback)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"the demo did not answer at {url}")


def _save(png: bytes, name: str) -> None:
    """A palette PNG: screenshots of text keep their look with 256 colours."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = OUT / f"{name}.png"
    small.save(path, optimize=True)
    sys.stdout.write(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)\n")


def _login(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def _shot(page: Page, name: str, url: str | None = None, *, full: bool = False) -> None:
    if url:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    _save(page.screenshot(full_page=full), name)


def take(base_url: str, credentials: dict[str, str], items: dict[str, Any]) -> None:
    session, pair, disputed = items["session"], items["pair"], items["disputed"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))

        def signed_in(username: str) -> Page:
            context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-US")
            page = context.new_page()
            _login(page, username, credentials[username])
            return page

        reviewer = signed_in("demo-reviewer-1")
        _shot(reviewer, "reviewer-home", "/review/")
        reviewer.goto(f"/review/demo/items/{session}/")
        reviewer.wait_for_selector("[data-keys-ready]")
        # Score the first three criteria from the keyboard, as the guide describes.
        for key in ("4", "j", "5", "j", "4"):
            reviewer.keyboard.press(key)
        _shot(reviewer, "reviewer-scoring")

        second = signed_in("demo-reviewer-2")
        second.goto(f"/review/demo/items/{pair}/")
        second.wait_for_selector("[data-keys-ready]")
        second.keyboard.press("1")
        _shot(second, "reviewer-pairwise")

        lead = signed_in("demo-lead")
        _shot(lead, "lead-overview", "/review/demo/lead/", full=True)
        _shot(lead, "lead-adjudication-queue", "/review/demo/lead/adjudication/")
        _shot(lead, "lead-adjudicate", f"/review/demo/lead/adjudication/{disputed}/", full=True)
        _shot(lead, "lead-items", "/review/demo/lead/items/")
        _shot(lead, "lead-item", f"/review/demo/lead/items/{disputed}/", full=True)
        _shot(lead, "lead-add-items", "/review/demo/lead/items/add/?language=zh")
        _shot(
            lead,
            "lead-approval",
            "/review/demo/lead/approval/?kind=session&min_total=40&without_flags=on",
        )
        _shot(lead, "lead-settings", "/review/demo/lead/settings/", full=True)
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="rapport-screenshots-") as folder:
        var = Path(folder)
        env = _environment(var)
        _manage(env, "migrate", "--noinput", "-v", "0")
        port = _free_port()
        _manage(env, "demo_setup", "--url", f"http://127.0.0.1:{port}/")
        credentials = json.loads((var / "demo_credentials.json").read_text())
        items = json.loads(_manage(env, "shell", "-c", ITEMS).strip().splitlines()[-1])
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_for(f"{base_url}/accounts/login/")
            take(base_url, credentials, items)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
