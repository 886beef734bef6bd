from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from review.management.commands._agreement_args import project_from
from review.selectors.rewrites import rewrites_carrying_original

EXCERPT = 160


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


class Command(BaseCommand):
    help = (
        "List the stored rewrites that contain their original turn whole (a rewrite box once "
        "opened pre-filled with the original, and typed text was saved in front of it). Each "
        "such rewrite would reach a DPO export as a chosen response that repeats the rejected "
        "one: look at each on the item's page and send it back or leave the item unapproved."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", metavar="SLUG", help="one project (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        project = project_from(options["project"]) if options["project"] else None
        check = rewrites_carrying_original(project=project)
        for rewrite in check.carrying:
            self.stdout.write(
                f"{rewrite.item.project.slug}: item {rewrite.item_id}, turn "
                f"{rewrite.turn_index + 1}, by {rewrite.reviewer.username}, "
                f"{rewrite.created_at:%Y-%m-%d %H:%M}"
            )
            self.stdout.write(f"  rewrite:  {_excerpt(rewrite.rewrite.text)}")
            self.stdout.write(f"  original: {_excerpt(rewrite.original.text)}")
        where = " in this project" if project is not None else ""
        self.stdout.write(
            f"{len(check.carrying)} of {check.checked} rewrites{where} contain their original turn"
        )
