"""docs/architecture.md's module map names every module of the apps, and only modules that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "core", "rubrics", "dialogues", "review", "exports")


def _modules() -> set[str]:
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            if path.name == "__init__.py" and len(path.read_text()) < 50:
                continue  # an empty package marker says nothing worth a line
            found.add(relative.as_posix())
    return found


def _listed() -> set[str]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = text.split("## Module map", 1)[1]
    return set(re.findall(r"^- `([^`]+\.py)`: \S", section, flags=re.M))


def test_every_module_has_its_line_in_the_map() -> None:
    missing = sorted(_modules() - _listed())
    assert not missing, f"docs/architecture.md's module map lacks: {missing}"


def test_the_map_lists_no_module_that_is_gone() -> None:
    gone = sorted(_listed() - _modules())
    assert not gone, f"docs/architecture.md's module map lists modules that do not exist: {gone}"
