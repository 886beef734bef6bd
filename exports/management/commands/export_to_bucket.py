"""``manage.py export_to_bucket VERSION s3://BUCKET/PREFIX/``: copy an approved export version
under a bucket prefix of the operator's allow-list, as a lead does from the version's page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.buckets import BucketRefused
from core.jobs import run_job
from core.models import Job
from exports.models import ExportVersion
from exports.services.agreement import ExportRefused
from exports.services.pushes import export_version_to_bucket_start
from exports.tasks import export_to_bucket_body


class Command(BaseCommand):
    help = (
        "Copy an approved export version to a bucket prefix (one of BUCKETS_ALLOWED), data "
        "files first and manifest.json last; prints where it went."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", type=int, help="the version's id (as in /api/exports/)")
        parser.add_argument("location", metavar="s3://BUCKET/PREFIX/")
        parser.add_argument("--user", default="", help="record this user name in the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        version = (
            ExportVersion.objects.select_related("specification")
            .filter(pk=options["version"])
            .first()
        )
        if version is None:
            raise CommandError(f"no export version {options['version']}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']!r}")
        try:
            uri, job = export_version_to_bucket_start(
                version=version, user=user, location=options["location"], queue=False
            )
        except (BucketRefused, ExportRefused) as refusal:
            raise CommandError(str(refusal)) from None
        # Run here, as a job like the page's and the API's: a failure is recorded with its
        # reason, and the job can be retried from the jobs page.
        run_job(job.pk, export_to_bucket_body)
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"job {job.pk}: {job.error_report or job.message}")
        self.stdout.write(uri)
