from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rubrics.files import RubricFileError
from rubrics.services import RubricConflict, rubric_import_text


class Command(BaseCommand):
    help = (
        "Import a rubric file (the schema is in docs/rubrics.md). The version it names is "
        "published unless --draft is given; importing the same file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--draft", action="store_true", help="import as an editable draft")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc
        try:
            outcome = rubric_import_text(
                text=text,
                source=str(path),
                draft=options["draft"],
                reason=f"manage.py rubric_import {path.name}",
            )
        except (RubricFileError, RubricConflict) as exc:
            raise CommandError(str(exc)) from exc
        rubric = outcome.rubric
        state = "imported" if outcome.created else "already there, unchanged"
        self.stdout.write(
            self.style.SUCCESS(f"{rubric.slug} v{rubric.version} ({rubric.status}): {state}")
        )
