"""The coverage floors that CI holds each app to (tests/coverage_floors.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.coverage_floors import FLOORS, floors_check

APPS = ("config", "core", "dialogues", "rubrics", "review", "exports")


def _report(**apps: tuple[int, int]) -> dict:
    files = {}
    for app, (statements, covered) in apps.items():
        files[f"{app}/models.py"] = {
            "summary": {"num_statements": statements, "covered_lines": covered}
        }
    return {"files": files}


def test_an_app_below_its_floor_fails_the_run_and_one_above_passes() -> None:
    report = _report(core=(200, 150), review=(1000, 900))

    lines, failures = floors_check(report=report, floors={"core": 80, "review": 90})

    assert failures == ["core: 75.0% of lines covered, below its 80.0%"]
    assert any(line.startswith("review") and "90.0%" in line for line in lines)


def test_an_app_without_a_floor_or_without_code_fails() -> None:
    _, failures = floors_check(
        report=_report(core=(10, 10), newapp=(10, 0)), floors={"core": 50, "gone": 40}
    )

    assert "newapp: no floor in coverage-floors.toml; add one at its figure" in failures
    assert any(failure.startswith("gone: has a floor but no measured code") for failure in failures)


def test_a_gain_is_pointed_out_so_the_floor_can_follow() -> None:
    lines, failures = floors_check(report=_report(exports=(100, 95)), floors={"exports": 90})

    assert failures == []
    assert "  exports could hold a floor of 95" in lines


def test_every_app_has_a_floor() -> None:
    floors = tomllib.loads(FLOORS.read_text())["floors"]
    assert sorted(floors) == sorted(APPS)
    assert all(0 < floor <= 100 for floor in floors.values())


def test_the_command_exits_non_zero_below_a_floor(tmp_path: Path) -> None:
    report = tmp_path / "coverage.json"
    report.write_text(json.dumps(_report(**dict.fromkeys(APPS, (100, 1)))))

    script = Path(__file__).with_name("coverage_floors.py")
    run = subprocess.run(
        [sys.executable, str(script), str(report)], capture_output=True, text=True, check=False
    )

    assert run.returncode == 1
    assert "review: 1.0% of lines covered" in run.stderr
    assert "Coverage of lines, per app:" in run.stdout
