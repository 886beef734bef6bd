from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from core.jobs import jobs_reap


class Command(BaseCommand):
    help = (
        "Mark running jobs whose worker stopped (no heartbeat for JOB_STALE_AFTER_SECONDS) as "
        "failed, with a message saying so, so that their starter or a lead can retry them. "
        "Safe to run from cron at any interval."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reaped = jobs_reap()
        for job in reaped:
            self.stdout.write(f"job {job.pk} ({job.kind}): {job.error_report}")
        self.stdout.write(
            f"{len(reaped)} stale job(s) marked failed "
            f"(no heartbeat for {settings.JOB_STALE_AFTER_SECONDS} s)"
        )
