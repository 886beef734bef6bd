"""Hold each app's test coverage to its floor: ``python tests/coverage_floors.py REPORT.json``.

REPORT.json is coverage's JSON report of a whole run of the suite (``make test`` writes it to
var/coverage.json). The floors are in tests/coverage-floors.toml, one percentage of lines per
app. A run fails when an app falls below its floor, or when an app has code but no floor, so a
new app cannot slip in unmeasured. When an app has risen well above its floor, the run says so:
raise the floor in the same commit, so that the gain is kept.
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

FLOORS = Path(__file__).with_name("coverage-floors.toml")
# An app this many points above its floor is reported as ready for a higher one.
HEADROOM = 2.0


@dataclass(frozen=True)
class AppCoverage:
    app: str
    statements: int
    covered: int

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.statements if self.statements else 100.0


def coverage_by_app(report: dict) -> dict[str, AppCoverage]:
    """Lines and covered lines summed over each top-level package of the report's files."""
    totals: dict[str, list[int]] = {}
    for path, data in report["files"].items():
        app = Path(path).parts[0]
        summary = data["summary"]
        counts = totals.setdefault(app, [0, 0])
        counts[0] += summary["num_statements"]
        counts[1] += summary["covered_lines"]
    return {app: AppCoverage(app, *counts) for app, counts in sorted(totals.items())}


def floors_check(*, report: dict, floors: dict[str, float]) -> tuple[list[str], list[str]]:
    """(lines to print, failures): each app's figure beside its floor."""
    measured = coverage_by_app(report)
    lines = [f"{'app':<12}{'lines':>8}{'covered':>9}{'percent':>9}{'floor':>8}"]
    failures = []
    for app in sorted(set(measured) | set(floors)):
        floor = floors.get(app)
        figure = measured.get(app)
        if figure is None:
            failures.append(f"{app}: has a floor but no measured code (was the whole suite run?)")
            continue
        shown = "-" if floor is None else f"{floor:.1f}"
        lines.append(
            f"{app:<12}{figure.statements:>8}{figure.covered:>9}{figure.percent:>8.1f}%{shown:>8}"
        )
        if floor is None:
            failures.append(f"{app}: no floor in {FLOORS.name}; add one at its figure")
        elif figure.percent < floor:
            failures.append(
                f"{app}: {figure.percent:.1f}% of lines covered, below its {floor:.1f}%"
            )
        elif figure.percent >= floor + HEADROOM:
            lines.append(f"  {app} could hold a floor of {int(figure.percent)}")
    return lines, failures


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write(f"usage: {argv[0]} COVERAGE.json\n")
        return 2
    report = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    floors = {
        app: float(value) for app, value in tomllib.loads(FLOORS.read_text())["floors"].items()
    }
    lines, failures = floors_check(report=report, floors=floors)
    sys.stdout.write("Coverage of lines, per app:\n" + "\n".join(lines) + "\n")
    for failure in failures:
        sys.stderr.write(f"coverage floor: {failure}\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
