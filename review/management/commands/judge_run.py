from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from review.management.commands._agreement_args import project_from
from review.models import JudgeConfig, JudgeRun
from review.services.judging import ACTIVE, JudgeRunError, judge_run_begin, judge_run_execute

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Run a project's judge over its items in this process, with a progress bar. Answers "
        "already obtained for the same item, judge settings and prompt are reused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument("--judge", required=True, metavar="NAME", help="the judge's name")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_from(options["project"])
        config = JudgeConfig.objects.filter(project=project, name=options["judge"]).first()
        if config is None:
            names = ", ".join(project.judge_configs.values_list("name", flat=True)) or "none"
            raise CommandError(
                f"No judge {options['judge']!r} in project {project.slug} (judges: {names})"
            )
        try:
            with transaction.atomic():
                run = judge_run_begin(config=config, user=None)
        except JudgeRunError as exc:
            raise CommandError(str(exc)) from exc
        interactive = self.stderr.isatty() if hasattr(self.stderr, "isatty") else False
        shown = -1

        def report(done: int, total: int) -> None:
            nonlocal shown
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            # A log file gets one line per step of the bar, a terminal one redrawn line.
            if not interactive and filled == shown and done != total:
                return
            shown = filled
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            line = f"[{bar}] {done}/{total}"
            if interactive:
                self.stderr.write(f"\r{line}", ending="")
            else:
                self.stderr.write(line)

        try:
            run = judge_run_execute(run=run, report=report)
        except JudgeRunError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            # The service saves its counters when interrupted mid-run; this covers a Ctrl-C
            # before the first request went out.
            JudgeRun.objects.filter(pk=run.pk, status__in=ACTIVE).update(
                status=JudgeRun.Status.CANCELLED, finished_at=timezone.now()
            )
            sys.stderr.write("\n")
            raise CommandError("interrupted; answers received so far are stored") from None
        if interactive:
            self.stderr.write("")
        self.stdout.write(
            f"run {run.pk} of {config.name}: {run.n_requests} requests, {run.n_reused} reused, "
            f"{run.n_called} calls ({run.n_ok} answered, {run.n_unparsable} unparsable, "
            f"{run.n_refused} refused, {run.n_error} errors); tokens {run.prompt_tokens} in, "
            f"{run.completion_tokens} out; cost {run.cost:.4f}"
        )
