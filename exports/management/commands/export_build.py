"""Build an export into a folder from the command line, with the same code as the browser."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from core.models import Project
from exports.models import (
    ExportKindChoice,
    ExportSpecification,
    SftModeChoice,
    SftStartChoice,
)
from exports.services.agreement import ExportRefused
from exports.services.building import export_build
from review.models import JudgeConfig


class Command(BaseCommand):
    help = (
        "Build an SFT or DPO export of a project's approved items into an empty folder: data and "
        "provenance files (Parquet and JSON Lines), README.md dataset card and manifest.json. "
        "Given --spec, builds that saved specification instead of the defaults."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="project slug (with --kind)")
        parser.add_argument("--kind", choices=[c.value for c in ExportKindChoice])
        parser.add_argument("--spec", type=int, help="id of a saved export specification")
        parser.add_argument("--out", required=True, help="folder to write (must be empty)")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--sft-mode", choices=[c.value for c in SftModeChoice], default="session"
        )
        parser.add_argument(
            "--sft-start",
            choices=[c.value for c in SftStartChoice],
            default="keep",
            help="first_client: drop counselor turns before the client's first words",
        )
        parser.add_argument("--name", default=None, help="dataset name in the card")
        parser.add_argument(
            "--judge",
            default=None,
            help="name of a judge of --project: also export the items nobody reviewed that "
            "it is sure about (label_source 'judge' in provenance)",
        )
        parser.add_argument(
            "--judge-max-uncertainty",
            default="0",
            help="with --judge: the highest uncertainty accepted from it, 0 (strict) to 0.29",
        )
        parser.add_argument("--no-progress", action="store_true")

    def _specification(self, options: dict[str, Any]) -> tuple[ExportSpecification, list[int]]:
        if options["spec"] is not None:
            specification = ExportSpecification.objects.filter(pk=options["spec"]).first()
            if specification is None:
                raise CommandError(f"--spec {options['spec']}: no such export specification")
            if options["seed"] is not None:
                specification.seed = options["seed"]
            return specification, list(specification.projects.values_list("pk", flat=True))
        if not options["project"] or not options["kind"]:
            raise CommandError("give --project and --kind, or --spec")
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"--project {options['project']}: no such project")
        specification = ExportSpecification(
            name=options["name"] or f"{project.name} {options['kind'].upper()}",
            kind=options["kind"],
            sft_mode=options["sft_mode"],
            sft_start=options["sft_start"],
            seed=options["seed"] or 0,
        )
        if options["judge"]:
            specification.judge = JudgeConfig.objects.filter(
                project=project, name=options["judge"]
            ).first()
            if specification.judge is None:
                raise CommandError(f"--judge {options['judge']}: no such judge in {project.slug}")
            try:
                specification.judge_max_uncertainty = Decimal(options["judge_max_uncertainty"])
            except InvalidOperation:
                raise CommandError(
                    f"--judge-max-uncertainty {options['judge_max_uncertainty']}: not a number"
                ) from None
        return specification, [project.pk]

    def handle(self, *args: Any, **options: Any) -> None:
        specification, project_ids = self._specification(options)
        folder = Path(options["out"])
        bar = _ProgressBar(self.stderr, enabled=not options["no_progress"])

        try:
            outcome = export_build(
                specification=specification,
                folder=folder,
                built_at=timezone.now(),
                progress=bar,
                project_ids=project_ids,
            )
        except (ExportRefused, ValueError) as error:
            raise CommandError(str(error)) from error
        finally:
            bar.close()
        counts = outcome.result.manifest["counts"]
        summary = ", ".join(f"{split} {c['rows']} rows" for split, c in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Export written to {folder}: {summary}"))
        judged = outcome.result.manifest.get("judge")
        if judged is not None:
            self.stdout.write(f"Items labelled by the judge: {judged['items']}")
        left_out = outcome.stats.left_out
        if left_out:
            reasons = ", ".join(f"{reason}: {n}" for reason, n in sorted(left_out.items()))
            self.stdout.write(f"Left out: {reasons}")


class _ProgressBar:
    """A one-line text bar: items read out of the approved items to read."""

    WIDTH = 30

    def __init__(self, stream: Any, *, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.done = 0
        self.total = 0
        self.shown = -1

    def __call__(self, done: int | None = None, *, total: int | None = None, **_: Any) -> None:
        self.total = total if total is not None else self.total
        self.done = done if done is not None else self.done
        percent = int(100 * self.done / self.total) if self.total else 100
        if not self.enabled or percent == self.shown:
            return
        self.shown = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r[{bar}] {percent:3d}% {self.done}/{self.total} items", ending="")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("")
