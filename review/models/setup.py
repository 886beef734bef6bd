"""How a project is reviewed: its task kinds and its review settings (one row per project).

A project here is the core project (the unit of access) plus these settings.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Project
from rubrics.models import Rubric


class TaskKind(models.TextChoices):
    SCORING = "scoring", _("Session scoring")
    PAIRWISE = "pairwise", _("Response-pair preference")
    REWRITE = "rewrite", _("Counselor-turn rewrite")


class ReviewSettings(models.Model):
    """How a project is reviewed. One row per project, made with the project's first review use."""

    project = models.OneToOneField(
        Project,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="review_settings",
        verbose_name=_("project"),
    )
    # Markdown, rendered safely (escaped HTML) on the reviewer's pages.
    guidelines = models.TextField(_("guidelines"), blank=True)
    rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rubric version"),
    )
    # Optional per-principle preferences on pairs (e.g. the PsychoCounsel principles).
    pair_rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("principles for pairs"),
    )
    task_kinds = models.JSONField(_("task kinds"), default=list, blank=True)
    overlap = models.PositiveSmallIntegerField(_("reviewers per item"), default=2)

    class QueueOrder(models.TextChoices):
        # An item with k-1 reviews comes before an untouched one: items reach "reviewed" or
        # adjudication early, so agreement and adjudication can start while reviewing goes on.
        DEPTH = "depth", _("Complete items first")
        # Every item gets its first review before any gets its second: early coverage.
        BREADTH = "breadth", _("Spread over items first")
        # Where the judges are unsure or disagree first, then a random control slice, then
        # the rest (review.services.triage); crisis-flagged items always come first.
        TRIAGE = "triage", _("Where the judges are unsure first")

    queue_order = models.CharField(
        _("queue order"), max_length=10, choices=QueueOrder.choices, default=QueueOrder.DEPTH
    )
    # The share of items drawn at random, whatever the judges say, so that the judge's error
    # can be estimated without the bias of reviewing only where it was unsure.
    triage_control_share = models.DecimalField(
        _("control slice"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.1"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    reservation_minutes = models.PositiveIntegerField(_("reservation (minutes)"), default=30)
    # After submitting, may a reviewer see the others' reviews of the same item?
    reveal_after_submit = models.BooleanField(
        _("show others' reviews after submitting"), default=False
    )
    # An item needs adjudication when any criterion's scores spread at least this far.
    adjudication_spread = models.DecimalField(
        _("adjudication threshold (score spread)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(2),
    )
    require_calibration = models.BooleanField(_("require passing calibration"), default=False)
    # A reviewer passes calibration when this share of gold criteria is within the tolerance.
    calibration_pass_share = models.DecimalField(
        _("calibration pass share"), max_digits=4, decimal_places=3, default=Decimal("0.8")
    )
    calibration_tolerance = models.DecimalField(
        _("calibration tolerance (points)"), max_digits=6, decimal_places=2, default=Decimal(1)
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return f"review settings of {self.project}"

    def has_task(self, kind: str) -> bool:
        return kind in self.task_kinds
