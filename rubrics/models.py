"""Versioned scoring instruments.

A rubric is identified by ``slug`` and ``version``. A published version never changes: reviews,
judge runs and exports refer to it, and editing one makes the next version as a draft (see
``rubrics.services``). Texts that a reviewer reads are kept per language, as a mapping from a
language code (``en``, ``zh-hans``) to the text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = ("en", "zh-hans")


def text_in(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text in ``language`` (default: the active one), else English, else any."""
    if not texts:
        return ""
    code = (language or get_language() or "en").lower()
    if texts.get(code):
        return texts[code]
    # "zh", "zh-cn" and friends all read Simplified Chinese here.
    if code.startswith("zh") and texts.get("zh-hans"):
        return texts["zh-hans"]
    return texts.get("en") or next((text for text in texts.values() if text), "")


class Scope(models.TextChoices):
    SESSION = "session", _("Whole session")
    COUNSELOR_TURN = "counselor_turn", _("Counselor turn")
    RESPONSE = "response", _("Single response")
    RESPONSE_PAIR = "response_pair", _("Response pair")


class TotalMethod(models.TextChoices):
    SUM = "sum", _("Sum")
    WEIGHTED_SUM = "weighted_sum", _("Weighted sum")
    MEAN = "mean", _("Mean")


class ScaleKind(models.TextChoices):
    RANGE = "range", _("Integer range")
    BINARY = "binary", _("Met / not met")


class Measurement(models.TextChoices):
    NOMINAL = "nominal", _("Nominal")
    ORDINAL = "ordinal", _("Ordinal")
    INTERVAL = "interval", _("Interval")
    RATIO = "ratio", _("Ratio")


def _number_field(verbose_name: Any, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=9, decimal_places=3, **kwargs)


class Rubric(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(_("slug"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    languages = models.JSONField(_("languages"), default=list)
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    source = models.TextField(_("source"), blank=True)
    total_method = models.CharField(
        _("total method"), max_length=20, choices=TotalMethod.choices, default=TotalMethod.SUM
    )
    cutoff = _number_field(_("cut-off"), null=True, blank=True)
    builtin = models.BooleanField(_("built in"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # A lead's own copy of a rubric they may not version (a built-in or someone else's) records
    # the published version it was copied from; published versions are never deleted.
    derived_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_copies",
        verbose_name=_("derived from"),
    )

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="rubric_slug_version"),
            # Two drafts of one rubric would be two competing "next versions".
            models.UniqueConstraint(
                fields=["slug"], condition=models.Q(status="draft"), name="rubric_one_draft"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="rubric_version_gte_1"),
        ]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def title(self) -> str:
        return text_in(self.name)

    @property
    def summary(self) -> str:
        return text_in(self.description)


class CriterionGroup(models.Model):
    """A part or perspective of a rubric, with its own sub-total."""

    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="groups", verbose_name=_("rubric")
    )
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40)
    title = models.JSONField(_("title"), default=dict)
    maximum = _number_field(_("maximum"), null=True, blank=True)

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="group_code_unique"),
        ]
        verbose_name = _("criterion group")
        verbose_name_plural = _("criterion groups")

    def __str__(self) -> str:
        return f"{self.rubric} {self.code}"

    @property
    def label(self) -> str:
        return text_in(self.title)


class Criterion(models.Model):
    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric")
    )
    group = models.ForeignKey(
        CriterionGroup,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="criteria",
        verbose_name=_("group"),
    )
    position = models.PositiveIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=40)
    title = models.JSONField(_("title"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    scale_kind = models.CharField(
        _("scale"), max_length=10, choices=ScaleKind.choices, default=ScaleKind.RANGE
    )
    scale_min = _number_field(_("minimum"), default=Decimal(0))
    scale_max = _number_field(_("maximum"), default=Decimal(1))
    scale_step = _number_field(_("step"), default=Decimal(1))
    # What a met criterion counts on a met / not met scale.
    points = _number_field(_("points"), default=Decimal(1))
    weight = _number_field(_("weight"), default=Decimal(1))
    allow_na = models.BooleanField(_("not applicable allowed"), default=False)
    rationale_required = models.BooleanField(_("rationale required"), default=False)
    measurement = models.CharField(
        _("level of measurement"),
        max_length=10,
        choices=Measurement.choices,
        default=Measurement.ORDINAL,
    )
    # [{"score": 0, "text": {"en": ..., "zh-hans": ...}}, ...] in ascending score order.
    anchors = models.JSONField(_("anchors"), default=list, blank=True)

    class Meta:
        ordering = ["rubric", "position"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_code_unique"),
        ]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return f"{self.rubric} {self.code}"

    @property
    def label(self) -> str:
        return text_in(self.title)

    @property
    def is_binary(self) -> bool:
        return self.scale_kind == ScaleKind.BINARY

    @property
    def lowest(self) -> Decimal:
        """The smallest value the criterion adds to a total."""
        return Decimal(0) if self.is_binary else self.scale_min

    @property
    def highest(self) -> Decimal:
        """The largest value the criterion adds to a total."""
        return self.points if self.is_binary else self.scale_max

    def levels(self) -> list[Decimal]:
        """Every score a reviewer can give, lowest first (1 and 0 mean met / not met)."""
        if self.is_binary:
            return [Decimal(0), Decimal(1)]
        values: list[Decimal] = []
        value = self.scale_min
        step = self.scale_step if self.scale_step > 0 else Decimal(1)
        while value <= self.scale_max:
            values.append(value)
            value += step
        return values
