from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rubrics.files import RubricFileError
from rubrics.services import RubricConflict, rubrics_load_builtin


class Command(BaseCommand):
    help = (
        "Load the built-in rubrics from rubrics/definitions/. Safe to run again: versions that "
        "are already loaded are left as they are."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outcomes = rubrics_load_builtin()
        except (RubricFileError, RubricConflict) as exc:
            raise CommandError(str(exc)) from exc
        for outcome in outcomes:
            state = "loaded" if outcome.created else "unchanged"
            self.stdout.write(f"{outcome.rubric.slug} v{outcome.rubric.version}: {state}")
        created = sum(outcome.created for outcome in outcomes)
        self.stdout.write(
            self.style.SUCCESS(f"{created} loaded, {len(outcomes) - created} already there")
        )
