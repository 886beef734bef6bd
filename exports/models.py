"""Export specifications (what to export and by which rules) and their immutable versions.

A specification can be built any number of times; each build is a new ExportVersion with its
own folder under ``EXPORTS_ROOT`` that never changes afterwards. Trainers reach a version only
once a lead approved it. Downloads are not a table of their own: each is an audit event
(``exports.download``), so the one append-only log shows them beside every other change.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Job, Project

EXPORT_BUILD_KIND = "exports.build"


class ExportKindChoice(models.TextChoices):
    SFT = "sft", _("SFT (conversations)")
    DPO = "dpo", _("DPO (preference pairs)")


class SftModeChoice(models.TextChoices):
    SESSION = "session", _("One example per session")
    TURN = "turn", _("One example per counselor turn")


class SftStartChoice(models.TextChoices):
    KEEP = "keep", _("As the source has it (a row may start with the counselor)")
    FIRST_CLIENT = "first_client", _("At the first client turn (leading counselor turns dropped)")


class SystemPromptMode(models.TextChoices):
    NONE = "none", _("No system prompt")
    FIXED = "fixed", _("A fixed text")
    INTAKE = "intake", _("Built from the intake form and CBT plan")


class DpoSource(models.TextChoices):
    PAIRWISE = "pairwise", _("Reviewers' pairwise choices (majority)")
    REWRITES = "rewrites", _("Rewrites (rewrite chosen, original rejected)")
    MARGINS = "margins", _("Score margins between candidates")
    IMPORTED = "imported", _("Imported source preferences, once reviewed")


class TiePolicy(models.TextChoices):
    # A pair whose reviewers split evenly, or whose majority chose "tie" or "both bad", is left out.
    DROP = "drop", _("Leave out pairs without a clear majority")
    # "Tie" votes are not counted; the majority of the remaining votes decides. "Both bad" votes
    # always count: clinicians' "both unacceptable" is never set aside.
    SKIP = "skip", _("Ignore tie votes and decide by the remaining votes")


# Judge-accepted items are those the judge is sure about; the triage queue sends everything
# from this uncertainty up to humans, so no specification may accept it from the judge.
JUDGE_UNCERTAINTY_LIMIT = Decimal("0.29")


def default_formats() -> list[str]:
    return ["parquet", "jsonl"]


def default_dpo_sources() -> list[str]:
    return [DpoSource.PAIRWISE, DpoSource.REWRITES]


class ExportSpecification(models.Model):
    """What goes into an export and how it is split; built into versions."""

    name = models.CharField(_("name"), max_length=200)
    projects = models.ManyToManyField(
        Project, related_name="export_specifications", verbose_name=_("projects")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ExportKindChoice.choices)
    # Curation. Only approved items are ever exported; these rules narrow that further.
    min_total = models.DecimalField(
        _("minimum total score"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    # {criterion code: lowest final score}
    min_scores = models.JSONField(_("minimum score per criterion"), default=dict, blank=True)
    min_reviewers = models.PositiveSmallIntegerField(_("minimum number of reviewers"), default=1)
    # {criterion code: lowest Krippendorff's alpha across the projects' reviews}
    min_agreement = models.JSONField(_("minimum agreement per criterion"), default=dict, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    source_formats = models.JSONField(_("source formats"), default=list, blank=True)
    # DPO
    dpo_sources = models.JSONField(_("pair sources"), default=default_dpo_sources, blank=True)
    tie_policy = models.CharField(
        _("tie policy"), max_length=10, choices=TiePolicy.choices, default=TiePolicy.DROP
    )
    margin_threshold = models.DecimalField(
        _("minimum score margin"),
        max_digits=9,
        decimal_places=3,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    # SFT
    sft_mode = models.CharField(
        _("SFT examples"), max_length=10, choices=SftModeChoice.choices, default="session"
    )
    sft_start = models.CharField(
        _("SFT rows start"), max_length=12, choices=SftStartChoice.choices, default="keep"
    )
    system_prompt_mode = models.CharField(
        _("system prompt"), max_length=10, choices=SystemPromptMode.choices, default="none"
    )
    system_prompt_text = models.TextField(_("system prompt text"), blank=True)
    # Splits and files
    train_ratio = models.DecimalField(
        _("train share"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.8"),
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(1))],
    )
    validation_ratio = models.DecimalField(
        _("validation share"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.1"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    test_ratio = models.DecimalField(
        _("test share"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.1"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    seed = models.PositiveIntegerField(_("seed"), default=0)
    formats = models.JSONField(_("formats"), default=default_formats)
    # Judge-accepted items (off when empty): items of the judge's project that no human
    # reviewed, labelled by the judge's latest run where it is sure (exports.services.judge_items).
    judge = models.ForeignKey(
        "review.JudgeConfig",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("judge-accepted items from"),
    )
    judge_max_uncertainty = models.DecimalField(
        _("judge's maximum uncertainty"),
        max_digits=3,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(JUDGE_UNCERTAINTY_LIMIT)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export specification")
        verbose_name_plural = _("export specifications")

    def __str__(self) -> str:
        return self.name


class ExportVersion(models.Model):
    """One build of a specification. Its folder and figures never change once built."""

    class Status(models.TextChoices):
        BUILDING = "building", _("Building")
        BUILT = "built", _("Built, awaiting approval")
        FAILED = "failed", _("Failed")
        APPROVED = "approved", _("Approved")

    specification = models.ForeignKey(
        ExportSpecification,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("specification"),
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.BUILDING
    )
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Relative to EXPORTS_ROOT.
    folder = models.CharField(_("folder"), max_length=300)
    # The specification as it was when this version was built.
    spec_snapshot = models.JSONField(_("specification at build time"), default=dict)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    split_report = models.JSONField(_("split report"), default=dict, blank=True)
    # Score distributions, sample rows and what curation left out, for the lead's review.
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    built_at = models.DateTimeField(_("built"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    class Meta:
        ordering = ["specification", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["specification", "number"], name="one_export_version_number"
            ),
        ]
        verbose_name = _("export version")
        verbose_name_plural = _("export versions")

    def __str__(self) -> str:
        return f"{self.specification.name} v{self.number}"

    @property
    def path(self) -> Path:
        return Path(settings.EXPORTS_ROOT) / self.folder

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.APPROVED
