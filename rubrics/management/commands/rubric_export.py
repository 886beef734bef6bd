from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from rubrics.files import definition_dump, rubric_definition
from rubrics.selectors import rubric_latest_published, rubric_version_get


class Command(BaseCommand):
    help = "Write a rubric version as a rubric file (YAML) to standard output or --output."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        # Django's own --version (print Django's version) gives way to the rubric version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument(
            "--version",
            dest="rubric_version",
            type=int,
            help="the version to export (default: the latest published one)",
        )
        parser.add_argument("--output", "-o", help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        slug, version = options["slug"], options["rubric_version"]
        try:
            if version is None:
                rubric = rubric_latest_published(slug=slug)
            else:
                rubric = rubric_version_get(slug=slug, version=version)
        except Http404 as exc:
            which = f"version {version}" if version else "a published version"
            raise CommandError(f"No rubric {slug!r} with {which}") from exc
        text = definition_dump(rubric_definition(rubric=rubric))
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
