from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from review.management.commands._agreement_args import project_from, rubric_arguments, rubric_from
from review.services.ratings import RatingsInvalid, ratings_import


class Command(BaseCommand):
    help = (
        "Import a spreadsheet study's ratings (a long CSV: item,rater,criterion,score; an empty "
        "score is a missing rating) into a project, for agreement statistics. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--project", required=True, metavar="SLUG")
        rubric_arguments(parser, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        project = project_from(options["project"])
        rubric = rubric_from(options["rubric"], options["rubric_version"])
        assert rubric is not None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read it as UTF-8 text ({exc})") from exc
        try:
            outcome = ratings_import(project=project, rubric=rubric, text=text, name=str(path))
        except RatingsInvalid as exc:
            raise CommandError("nothing was imported:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            f"{path}: {outcome.created} ratings added, {outcome.updated} changed "
            f"({len(outcome.items)} items, {len(outcome.raters)} raters) on {rubric}"
        )
