"""The Simplified Chinese catalogue covers every translatable string in the code and templates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["config", "core", "rubrics", "dialogues", "review", "exports", "templates", "locale"]


@pytest.mark.parametrize(
    ("domain", "least"), [("django", 100), ("djangojs", 1)], ids=["pages", "scripts"]
)
def test_every_string_has_a_chinese_translation(tmp_path: Path, domain: str, least: int) -> None:
    """Extract the strings from a copy of the tree as `make messages` would; look for gaps.

    The page scripts (static/js, not the vendored libraries) have their own catalogue,
    djangojs.po, which /i18n/js/ serves.
    """
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
        )
    shutil.copytree(ROOT / "static" / "js", tmp_path / "static" / "js")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DEBUG": "1", "RAPPORT_VAR_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [
            *(sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "zh_Hans"),
            *("--no-obsolete", "-v", "0"),
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )
    catalogue = polib.pofile(str(tmp_path / f"locale/zh_Hans/LC_MESSAGES/{domain}.po"))
    missing = [
        entry.msgid
        for entry in catalogue
        if "fuzzy" in entry.flags or not (entry.msgstr or any(entry.msgstr_plural.values()))
    ]
    assert missing == [], f"translate these in locale/zh_Hans/LC_MESSAGES/{domain}.po"
    assert len(catalogue) >= least


@pytest.mark.django_db
def test_choosing_chinese_translates_the_page() -> None:
    client = Client()
    client.force_login(UserFactory())
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-hans">' in page
    assert "你的项目" in page
    assert "最近的任务" in page
    assert "Your projects" not in page
