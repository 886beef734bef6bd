from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from rubrics.services import DEFINITIONS_DIR, rubrics_load_builtin

BUILTIN_FILES = sorted(DEFINITIONS_DIR.glob("*.yaml"))


@pytest.fixture
def builtins(db):
    """Every built-in rubric, loaded."""
    return {outcome.rubric.slug: outcome.rubric for outcome in rubrics_load_builtin()}


def small_rubric_data() -> dict:
    """A valid rubric file's content: two groups, three criteria, both languages."""
    return copy.deepcopy(
        {
            "format": 1,
            "slug": "small",
            "version": 1,
            "scope": "response",
            "languages": ["en", "zh-hans"],
            "name": {"en": "Small", "zh-hans": "小量表"},
            "total": {"method": "sum", "cutoff": 3},
            "groups": [
                {"code": "a", "title": {"en": "Part A", "zh-hans": "甲部分"}, "maximum": 1.5},
                {"code": "b", "title": {"en": "Part B", "zh-hans": "乙部分"}},
            ],
            "criteria": [
                {
                    "code": "met-1",
                    "group": "a",
                    "title": {"en": "First", "zh-hans": "第一"},
                    "scale": {"kind": "binary", "points": 1},
                },
                {
                    "code": "met-2",
                    "group": "a",
                    "title": {"en": "Second", "zh-hans": "第二"},
                    "scale": {"kind": "binary", "points": 0.5},
                },
                {
                    "code": "range",
                    "group": "b",
                    "title": {"en": "Third", "zh-hans": "第三"},
                    "scale": {"kind": "range", "min": 0, "max": 4, "step": 2},
                    "not_applicable": True,
                    "anchors": [
                        {"score": 0, "text": {"en": "None", "zh-hans": "无"}},
                        {"score": 4, "text": {"en": "Full", "zh-hans": "完全"}},
                    ],
                },
            ],
        }
    )


def as_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write(tmp_path: Path, data: dict, name: str = "small.yaml") -> Path:
    path = tmp_path / name
    path.write_text(as_yaml(data), encoding="utf-8")
    return path
