from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from review.management.commands._agreement_args import project_from, rubric_arguments, rubric_from
from review.services.agreement import DEFAULT_BOOT, project_agreement
from review.stats import MAX_DROPPED_SHARE, MIN_ITEMS, MIN_RATINGS_PER_ITEM


class Command(BaseCommand):
    help = "Print a project's agreement per rubric criterion: alpha, its 95% interval and counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        rubric_arguments(parser, required=False)
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--full", action="store_true", help="with --json: the whole report")
        parser.add_argument("--boot", type=int, default=DEFAULT_BOOT, help="bootstrap resamples")
        parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_from(options["project"])
        rubric = rubric_from(options["rubric"], options["rubric_version"])
        report = project_agreement(
            project=project, rubric=rubric, n_boot=options["boot"], seed=options["seed"]
        )
        if options["json"]:
            if not options["full"]:
                report = {
                    key: report[key]
                    for key in ("project", "rubric", "n_boot", "seed", "confidence", "criteria")
                } | {"composite": report["composite"]}
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        rubric_info = report["rubric"]
        if rubric_info is None:
            self.stdout.write("No rubric has ratings in this project.")
            return
        self.stdout.write(f"{project.slug}: {rubric_info['slug']} v{rubric_info['version']}")
        self.stdout.write(
            f"{'criterion':<24}{'level':<10}{'alpha':>8}{'95% interval':>20}{'items':>7}"
            f"{'dropped':>9}  notes"
        )
        for row in [*report["criteria"], *([report["composite"]] if report["composite"] else [])]:
            alpha = "—" if row["alpha"] is None else f"{row['alpha']:.3f}"
            interval = "—" if row["low"] is None else f"[{row['low']:.3f}, {row['high']:.3f}]"
            dropped = f"{row['n_boot_dropped']}/{row['n_boot']}" if row["n_boot"] else "—"
            self.stdout.write(
                f"{row['code']:<24}{row['level']:<10}{alpha:>8}{interval:>20}{row['n_items']:>7}"
                f"{dropped:>9}  {'; '.join(_notes(row))}".rstrip()
            )
        self.stdout.write(
            f"Intervals from {report['n_boot']} bootstrap resamples of the items, seed "
            f"{report['seed']}; 'dropped' counts resamples without variation, left out."
        )


NOTES = {
    "no_variation": "undefined: every rating has the same value",
    "too_few_ratings": "undefined: no item has two ratings",
    "few_items": f"unreliable: fewer than {MIN_ITEMS} items",
    "few_raters": f"unreliable: fewer than {MIN_RATINGS_PER_ITEM:g} ratings per item",
    "dropped_resamples": f"over {MAX_DROPPED_SHARE:.0%} of resamples dropped",
}


def _notes(row: dict[str, Any]) -> list[str]:
    """Why a row's alpha is undefined, and every reason to distrust it, in plain words."""
    codes = ([row["reason"]] if row["reason"] else []) + list(row["warnings"])
    return [NOTES.get(code, code) for code in codes]
