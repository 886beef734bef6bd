"""``manage.py import_sessions PATH... --project SLUG``: the same import as the upload page.

The batch runs as a Job in this process (so it shows in the job list like any other), with a
progress line on standard error. The exit status is 0 only when the batch was imported.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.jobs import JobProgress, run_job
from core.models import Job, Project
from dialogues.importers import importer_formats
from dialogues.importers.cpsycoun import TOPIC_FOLDERS
from dialogues.models import ImportBatch
from dialogues.services.bucket_imports import import_batch_create_from_bucket
from dialogues.services.imports import ImportRequestError, Upload, import_batch_create
from dialogues.tasks import IMPORT_KIND, error_line, import_job_body, import_sessions

SHOWN_ERRORS = 20


class TerminalBar:
    """A one-line progress display on standard error, redrawn at most ten times a second."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.started = time.monotonic()

    def draw(self, done: int, total: int | None, message: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        elapsed = now - self.started
        if total:
            # The import reports bytes read of the files' total size; the message counts records.
            share = min(done, total) / total
            filled = int(30 * share)
            line = "[" + "#" * filled + "." * (30 - filled) + f"] {share:4.0%}  {message}"
        else:
            rate = done / elapsed if elapsed > 0 else 0.0
            spin = "|/-\\"[int(elapsed * 8) % 4] if not final else "#"
            line = f"[{spin}] {done} records  {rate:,.0f}/s  {message}"
        line = line[:150]
        if self.tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        elif final:
            self.stream.write(line + "\n")
        self.stream.flush()


class TeeProgress:
    """Passes progress to the Job row and draws it on the terminal."""

    def __init__(self, progress: JobProgress, bar: TerminalBar) -> None:
        self.progress = progress
        self.bar = bar

    def __call__(self, done: int | None = None, **changes: Any) -> None:
        # ``changes`` are the job progress's own keywords (total, message, force), passed on
        # as they came so that the two signatures cannot drift apart.
        self.progress(done, **changes)
        self.bar.draw(self.progress.done, self.progress.total, self.progress.message)


def _uploads(paths: list[str]) -> list[tuple[str, Path]]:
    """Every file to read: a file by its name, a folder's files by their path under it."""
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for inner in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = inner.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                found.append(((Path(path.resolve().name) / relative).as_posix(), inner))
        elif path.is_file():
            found.append((_file_name(path), path))
        else:
            raise CommandError(f"{raw}: no such file or folder")
    names = [name for name, _path in found]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise CommandError(f"two files would have the same name in the batch: {clashes[0]}")
    return found


def _file_name(path: Path) -> str:
    """A file given on its own goes in by its name, with its folder if that is a CPsyCounE topic.

    CPsyCounE keeps a session's topic only in the folder name (Career/1.json); without the
    folder, ``import_sessions Career/1.json`` would lose it.
    """
    folder = path.resolve().parent.name
    if path.suffix.lower() == ".json" and folder in TOPIC_FOLDERS:
        return f"{folder}/{path.name}"
    return path.name


class Command(BaseCommand):
    help = (
        "Import counseling sessions from files, folders or archives (.zip, .tar.gz) into a "
        "project. Exit status 0 only when the batch was imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        formats = ", ".join(sorted(cls.format for cls in importer_formats()))
        parser.add_argument("paths", nargs="*", metavar="PATH")
        parser.add_argument(
            "--from-bucket",
            default="",
            metavar="s3://BUCKET/PREFIX/",
            help="import the files under this bucket prefix instead (one of BUCKETS_ALLOWED)",
        )
        parser.add_argument("--project", required=True, help="slug of the project")
        parser.add_argument("--format", default="", help=f"skip detection; one of: {formats}")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid records and report the invalid ones (default: all or nothing)",
        )
        parser.add_argument(
            "--json", action="store_true", help="end with one JSON line of the counts"
        )
        parser.add_argument("--user", default="", help="record this user name as the importer")

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"no project with the slug {options['project']!r}")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user named {options['user']!r}")
        if bool(options["paths"]) == bool(options["from_bucket"]):
            raise CommandError("give either PATH... or --from-bucket s3://BUCKET/PREFIX/")
        if options["from_bucket"]:
            try:
                batch = import_batch_create_from_bucket(
                    project=project,
                    user=user,
                    location=options["from_bucket"],
                    format_name=options["format"],
                    skip_invalid=options["skip_invalid"],
                )
            except ImportRequestError as error:
                raise CommandError(str(error)) from None
        else:
            batch = self._create(project, user, options)
        job = Job.objects.create(
            kind=IMPORT_KIND,
            task_name=import_sessions.name,
            params={"batch_id": batch.pk},
            started_by=user,
            project=project,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(job=job)
        bar = TerminalBar(sys.stderr)

        def body(job: Job, progress: JobProgress) -> dict[str, Any]:
            return import_job_body(job, TeeProgress(progress, bar))

        run_job(job.pk, body)
        job.refresh_from_db()
        batch.refresh_from_db()
        bar.draw(batch.records_total, None, job.get_status_display(), final=True)
        self._report(batch, job, as_json=options["json"])

    def _create(self, project: Project, user: Any, options: dict[str, Any]) -> ImportBatch:
        found = _uploads(options["paths"])
        handles = [path.open("rb") for _name, path in found]
        try:
            return import_batch_create(
                project=project,
                user=user,
                uploads=[
                    Upload(name, handle) for (name, _p), handle in zip(found, handles, strict=True)
                ],
                format_name=options["format"],
                skip_invalid=options["skip_invalid"],
                # The batch page shows this name to leads; the server's folders are none of theirs.
                name=", ".join(Path(item).name for item in options["paths"])[:300],
            )
        except ImportRequestError as error:
            raise CommandError(str(error)) from None
        finally:
            for handle in handles:
                handle.close()

    def _report(self, batch: ImportBatch, job: Job, *, as_json: bool) -> None:
        out = self.stderr if as_json else self.stdout
        out.write(
            f"batch {batch.pk} {batch.get_status_display().lower()}: "
            f"{batch.records_total} records, {batch.sessions_created} created, "
            f"{batch.duplicates} duplicates, {batch.invalid} invalid, "
            f"{batch.candidates_created} candidate responses, {batch.flags_created} flags"
        )
        for error in batch.errors[:SHOWN_ERRORS]:
            out.write("  " + error_line(error))
        if len(batch.errors) > SHOWN_ERRORS:
            out.write(f"  ... and {batch.invalid - SHOWN_ERRORS} more")
        if batch.status == ImportBatch.Status.FAILED and job.error_report:
            out.write(job.error_report)
        if as_json:
            counts = {
                "created": batch.sessions_created,
                "duplicates": batch.duplicates,
                "invalid": batch.invalid,
                "batch": batch.pk,
            }
            self.stdout.write(json.dumps(counts))
        if batch.status != ImportBatch.Status.IMPORTED:
            raise CommandError(
                f"nothing was imported (batch {batch.pk} {batch.get_status_display().lower()})"
            )
