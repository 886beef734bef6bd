from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from review.management.commands._agreement_args import project_from
from review.models import ReviewSettings
from review.selectors.access import review_settings_for
from review.selectors.triage import triage_band_counts
from review.services.projects import ProjectSetupError, review_settings_update, settings_change_of
from review.services.triage import triage_refresh


def _share(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise CommandError(f"--control-share {value!r} is not a number") from exc


class Command(BaseCommand):
    help = (
        "Show how many open items each triage band holds; optionally choose the queue order "
        "or the control slice, through the same service as the settings page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", required=True, metavar="SLUG")
        parser.add_argument(
            "--queue-order", choices=ReviewSettings.QueueOrder.values, help="switch the order"
        )
        parser.add_argument(
            "--control-share", metavar="SHARE", help="share of items in the control slice, 0-1"
        )
        parser.add_argument(
            "--refresh", action="store_true", help="recompute the stored ranking now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_from(options["project"])
        changes: dict[str, Any] = {}
        if options["queue_order"]:
            changes["queue_order"] = options["queue_order"]
        if options["control_share"] is not None:
            changes["triage_control_share"] = _share(options["control_share"])
        if changes:
            settings = review_settings_for(project=project)
            try:
                review_settings_update(
                    project=project,
                    change=settings_change_of(settings=settings, **changes),
                    actor=None,
                )
            except ProjectSetupError as exc:
                raise CommandError(str(exc)) from exc
        if options["refresh"]:
            ranked = triage_refresh(project=project)
            self.stdout.write(f"Ranked {ranked} open items.")
        settings = review_settings_for(project=project)
        self.stdout.write(
            f"Queue order: {settings.get_queue_order_display()} ({settings.queue_order}); "
            f"control slice {settings.triage_control_share.normalize()}"
        )
        for band in triage_band_counts(project=project):
            self.stdout.write(f"  {band.label}: {band.items}")
