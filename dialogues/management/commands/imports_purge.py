from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from dialogues.services.imports import orphan_uploads_purge, rejected_uploads_purge


class Command(BaseCommand):
    help = (
        "Delete the stored files of import batches rejected more than "
        "IMPORT_REJECTED_RETENTION_DAYS ago (the batches and their error reports stay), and "
        "uploads more than a day old that no batch names (cut off mid-upload). "
        "Safe to run from cron at any interval."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        purged = rejected_uploads_purge()
        for batch in purged:
            self.stdout.write(f"batch {batch.pk} ({batch.name})")
        self.stdout.write(
            f"{len(purged)} rejected upload(s) deleted "
            f"(older than {settings.IMPORT_REJECTED_RETENTION_DAYS} days)"
        )
        orphans = orphan_uploads_purge()
        self.stdout.write(f"{orphans} unfinished upload(s) deleted (no batch, older than a day)")
