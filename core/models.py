from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Project(models.Model):
    """The unit of access: reviewers, leads and trainers are members of projects."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    REVIEWER = "reviewer", _("Reviewer")
    LEAD = "lead", _("Lead")
    TRAINER = "trainer", _("Trainer")


class Membership(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("project")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["project", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="one_role_per_member"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) in {self.project}"


@dataclass(frozen=True)
class JobKind:
    """What core knows of one kind of job that another app defines.

    ``on_failed`` is told when the job ends failed or cancelled without its body saying so (the
    broker refused it, its worker died, it was cancelled before it ran), so that what the job was
    making (an import batch, an export version) does not stay "running" beside a failed job.
    ``on_retry`` is told when the job is queued again, to put that object back in line.
    ``progress_unit`` is what the job counts ("bytes" shows sizes instead of raw numbers).
    """

    label: Any
    on_failed: Callable[[Job], None] | None = None
    on_retry: Callable[[Job], None] | None = None
    progress_unit: str = ""


# Each app registers its kinds from its AppConfig.ready(), so every process (web, worker,
# management command) knows them, whichever task modules it has imported.
JOB_KINDS: dict[str, JobKind] = {}


def register_job_kind(
    kind: str,
    label: Any,
    *,
    on_failed: Callable[[Job], None] | None = None,
    on_retry: Callable[[Job], None] | None = None,
    progress_unit: str = "",
) -> None:
    JOB_KINDS[kind] = JobKind(
        label=label, on_failed=on_failed, on_retry=on_retry, progress_unit=progress_unit
    )


class Job(models.Model):
    """One long operation (an import, a judge run, an agreement refresh, an export build).

    The row is the single source of truth about the operation: the worker writes progress to it,
    the browser polls it, and a failed job keeps what it needs (``task_name`` and ``params``) to be
    run again.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("kind"), max_length=40)
    task_name = models.CharField(_("task"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("project"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveBigIntegerField(_("done"), default=0)
    progress_total = models.PositiveBigIntegerField(_("total"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    # What went wrong, in words for whoever may see the job.
    error_report = models.TextField(_("error report"), blank=True)
    # An unexpected error's traceback (file paths, code): for staff only, never on the job's page.
    error_detail = models.TextField(_("error details"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Doubles as the worker's heartbeat: every progress write moves it.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["started_by", "-created_at"]),
            models.Index(fields=["project", "-created_at"]),
        ]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def kind_label(self) -> str:
        known = JOB_KINDS.get(self.kind)
        return str(known.label) if known is not None else self.kind

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(100 * self.progress_done / self.progress_total))

    @staticmethod
    def stale_cutoff() -> datetime:
        """A running job whose heartbeat is older than this has lost its worker."""
        return timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)

    @property
    def counts_bytes(self) -> bool:
        known = JOB_KINDS.get(self.kind)
        return known is not None and known.progress_unit == "bytes"

    @property
    def seconds_left(self) -> int | None:
        """At the pace so far, how long a running job still needs; None until it can be told."""
        if (
            self.status != self.Status.RUNNING
            or self.started_at is None
            or not self.progress_total
            or not 0 < self.progress_done < self.progress_total
        ):
            return None
        elapsed = (timezone.now() - self.started_at).total_seconds()
        if elapsed < 5:
            return None
        done = self.progress_done / self.progress_total
        return int(elapsed * (1 - done) / done)

    @property
    def minutes_left(self) -> int | None:
        left = self.seconds_left
        return None if left is None or left < 90 else round(left / 60)

    @property
    def silent_minutes(self) -> int | None:
        """Whole minutes since a running job's last heartbeat, once it has missed several
        (its worker may be gone); None while the heartbeat is fresh or the job is not running."""
        if self.status != self.Status.RUNNING or self.updated_at is None:
            return None
        silent = (timezone.now() - self.updated_at).total_seconds()
        if silent < max(90, 3 * settings.JOB_HEARTBEAT_SECONDS):
            return None
        return int(silent // 60)

    @property
    def stale_after_minutes(self) -> int:
        return max(1, settings.JOB_STALE_AFTER_SECONDS // 60)

    @property
    def is_stale(self) -> bool:
        return self.status == self.Status.RUNNING and self.updated_at < self.stale_cutoff()

    @property
    def can_retry(self) -> bool:
        """Failed, cancelled, or left running by a worker that stopped."""
        return self.status in (self.Status.FAILED, self.Status.CANCELLED) or self.is_stale

    @property
    def can_cancel(self) -> bool:
        return (
            self.status in (self.Status.QUEUED, self.Status.RUNNING) and not self.cancel_requested
        )


class AuditEvent(models.Model):
    """One entry of the append-only audit log: who did what to which object, before and after.

    Rows are never updated or deleted; the database refuses it (see migration 0002), so the log
    holds even against code that forgets. Projects and users with audit history are therefore
    protected from deletion: deactivate a user instead.
    """

    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("project"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "object_type", "object_id"]),
            models.Index(fields=["project", "actor", "-created_at"]),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}:{self.object_id} by {self.actor_id}"


class ApiToken(models.Model):
    """A key that scripts send as ``Authorization: Token <key>`` to act as ``user``.

    Only the key's SHA-256 digest is kept: a copy of the database (a backup, a support dump) does
    not hand out working keys. The key is random, 160 bits, so a plain digest cannot be reversed
    by guessing and needs no slow password hash. ``prefix`` is its first characters, shown so
    that the owner can tell their tokens apart.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
