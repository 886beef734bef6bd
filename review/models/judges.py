"""LLM judges on the database, ratings brought in from elsewhere, and cached agreement reports.

A JudgeConfig maps field for field onto ``review.judges.JudgeSettings``; the API key itself is
never stored, only the name under which the operator configured it
(JUDGE_API_KEYS). Every answer a judge
gave is a JudgeResult, whatever its status: only an ``ok`` result carries scores or a choice.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Job, Project
from review.judges import JudgeSettings
from review.models.work import Item
from rubrics.models import Rubric

KEY_NAME = re.compile(r"[a-z0-9_]{1,50}")
SAMPLES_MAX = 10
FEW_SHOT_MAX = 8


def validate_key_name(value: str) -> None:
    """A label of the operator's judge keys is lower-case letters, digits and underscores."""
    if value and not KEY_NAME.fullmatch(value):
        raise ValidationError(
            _("Choose one of the keys this server's operator configured for judges."),
            code="not_a_key_name",
        )


class JudgeLanguage(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh", _("Simplified Chinese")


class JudgeConfig(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="judge_configs", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=100)
    base_url = models.URLField(_("base URL"), max_length=500)
    model = models.CharField(_("model"), max_length=200)
    api_key_name = models.CharField(
        _("API key"),
        max_length=50,
        blank=True,
        help_text=_(
            "One of the keys this server's operator configured for judges, by its name; "
            "empty for a server that needs no key."
        ),
        validators=[validate_key_name],
    )
    temperature = models.FloatField(
        _("temperature"), default=0.0, validators=[MinValueValidator(0), MaxValueValidator(2)]
    )
    max_tokens = models.PositiveIntegerField(
        _("max tokens"), default=1024, validators=[MinValueValidator(1)]
    )
    concurrency = models.PositiveSmallIntegerField(
        _("requests in flight"), default=4, validators=[MinValueValidator(1)]
    )
    timeout = models.FloatField(
        _("timeout (seconds)"), default=60.0, validators=[MinValueValidator(0.1)]
    )
    retries = models.PositiveSmallIntegerField(_("retries"), default=3)
    prompt_version = models.CharField(_("prompt template version"), max_length=20, default="v1")
    language = models.CharField(
        _("prompt language"), max_length=5, choices=JudgeLanguage.choices, default="en"
    )
    use_json_schema = models.BooleanField(_("ask for a JSON schema"), default=True)
    # Each question asked this many times; above one the spread of the answers says how sure
    # the judge is, which needs a temperature above zero (at zero the samples would repeat).
    samples = models.PositiveSmallIntegerField(
        _("samples per question"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(SAMPLES_MAX)],
        help_text=_(
            "Ask each question this many times to see how far the answers spread; "
            "more than one needs a temperature above 0."
        ),
    )
    # Few-shot calibration: show this many items the leads adjudicated, with their settled
    # scores, before each scored item. Those items are left out of the run (never an example
    # for themselves); 0 is off.
    few_shot = models.PositiveSmallIntegerField(
        _("calibration examples"),
        default=0,
        validators=[MaxValueValidator(FEW_SHOT_MAX)],
        help_text=_(
            "Show the judge this many adjudicated items with their final scores before each "
            "session; those items are then not judged in the run. 0 is off."
        ),
    )
    # The rubric version the judge scores session items against (pairs use the project's
    # principles for pairs).
    rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rubric version"),
    )
    price_prompt_per_1k = models.DecimalField(
        _("price per 1,000 prompt tokens"), max_digits=10, decimal_places=6, default=Decimal(0)
    )
    price_completion_per_1k = models.DecimalField(
        _("price per 1,000 completion tokens"), max_digits=10, decimal_places=6, default=Decimal(0)
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="judge_name_per_project"),
        ]
        verbose_name = _("judge configuration")
        verbose_name_plural = _("judge configurations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.samples > 1 and self.temperature <= 0:
            raise ValidationError(
                {
                    "samples": _(
                        "At temperature 0 every sample gives the same answer; raise the "
                        "temperature or ask once."
                    )
                }
            )

    def settings(self) -> JudgeSettings:
        """The calling layer's view of this configuration; raises JudgeConfigError if unusable."""
        return JudgeSettings(
            name=self.name,
            base_url=self.base_url,
            model=self.model,
            api_key_name=self.api_key_name,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            concurrency=self.concurrency,
            timeout_s=self.timeout,
            max_retries=self.retries,
            prompt_version=self.prompt_version,
            language=self.language,  # type: ignore[arg-type]
            use_json_schema=self.use_json_schema,
            price_prompt_per_1k=self.price_prompt_per_1k,
            price_completion_per_1k=self.price_completion_per_1k,
        )


class JudgeRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    config = models.ForeignKey(
        JudgeConfig, on_delete=models.CASCADE, related_name="runs", verbose_name=_("judge")
    )
    job = models.OneToOneField(
        Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="judge_run"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The rubric version the run scored session items against: the judge's own, or the
    # project's when the judge names none. Agreement compares by this, never by the slug.
    rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rubric version"),
    )
    # Requests the run covers (pairs count twice, one per order), how many were answered from
    # earlier runs, and how many calls this run sent.
    n_requests = models.PositiveIntegerField(_("requests"), default=0)
    n_reused = models.PositiveIntegerField(_("reused answers"), default=0)
    n_called = models.PositiveIntegerField(_("calls sent"), default=0)
    n_ok = models.PositiveIntegerField(_("answered"), default=0)
    n_unparsable = models.PositiveIntegerField(_("unparsable"), default=0)
    n_refused = models.PositiveIntegerField(_("refused"), default=0)
    n_error = models.PositiveIntegerField(_("errors"), default=0)
    prompt_tokens = models.PositiveBigIntegerField(_("prompt tokens"), default=0)
    completion_tokens = models.PositiveBigIntegerField(_("completion tokens"), default=0)
    cost = models.DecimalField(_("cost estimate"), max_digits=14, decimal_places=6, default=0)
    error = models.TextField(_("error"), blank=True)
    # The adjudicated items shown as worked examples (few-shot calibration), by id; the run
    # judged none of them.
    examples = models.JSONField(_("calibration examples"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("judge run")
        verbose_name_plural = _("judge runs")

    def __str__(self) -> str:
        return f"run {self.pk} of {self.config}"


class JudgeResult(models.Model):
    """One answer of a judge about one item (a pair has one per order of the responses)."""

    class Status(models.TextChoices):
        OK = "ok", _("Answered")
        UNPARSABLE = "unparsable", _("Unparsable")
        REFUSED = "refused", _("Refused")
        ERROR = "error", _("Error")

    class Order(models.TextChoices):
        NONE = "", _("Scored")
        AB = "ab", _("A shown first")
        BA = "ba", _("B shown first")

    config = models.ForeignKey(
        JudgeConfig, on_delete=models.CASCADE, related_name="results", verbose_name=_("judge")
    )
    run = models.ForeignKey(
        JudgeRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="results"
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="judge_results")
    order = models.CharField(_("order"), max_length=2, choices=Order.choices, blank=True)
    # Which repetition of the question this is (0 for the first); later samples fold their
    # number into the fingerprint, so the first keeps the fingerprint a single ask has.
    sample = models.PositiveSmallIntegerField(_("sample"), default=0)
    # The rubric version a score answer is on (None for pairs); the fingerprint already
    # covers the rubric's text, this says which version it was.
    rubric = models.ForeignKey(
        Rubric,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rubric version"),
    )
    # sha256 of the judge's settings fingerprint and the prompt hash (which covers the rubric,
    # the template and the item's text): the same question to the same judge.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    settings_fingerprint = models.CharField(max_length=64)
    prompt_version = models.CharField(max_length=20)
    prompt_hash = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    raw_text = models.TextField(_("raw answer"), blank=True)
    error = models.TextField(_("error"), blank=True)
    # {criterion code: score or None for not applicable}; only for ok answers.
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    # In the item's terms ("a", "b", "tie", "both_bad"), whatever order the judge saw.
    choice = models.CharField(_("choice"), max_length=20, blank=True)
    preferences = models.JSONField(_("per-principle preferences"), default=dict, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    attempts = models.JSONField(default=list, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["item", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["config", "item", "order", "fingerprint"], name="one_answer_per_question"
            ),
        ]
        indexes = [models.Index(fields=["config", "settings_fingerprint"])]
        verbose_name = _("judge result")
        verbose_name_plural = _("judge results")

    def __str__(self) -> str:
        return f"{self.config} on {self.item} {self.order}: {self.status}"


class JudgeItemSignal(models.Model):
    """What one run of a judge says about one item: its verdict and how sure it is.

    Computed from the run's answers (``review.judges.signals``) when the run ends, and shown to
    the project's leads only. Disagreement between judges is not stored here: it depends on the
    other judges' latest runs, so the triage ranking compares them when it is refreshed.
    """

    run = models.ForeignKey(
        JudgeRun, on_delete=models.CASCADE, related_name="signals", verbose_name=_("run")
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="judge_signals")
    # "pass" / "fail", or a pair's choice ("a", "b", "tie", "both_bad"); empty for none.
    verdict = models.CharField(_("verdict"), max_length=20, blank=True)
    # The mean total on 0..1 (scored items only).
    score = models.FloatField(_("score"), null=True, blank=True)
    spread = models.FloatField(_("spread"), null=True, blank=True)
    n_ok = models.PositiveSmallIntegerField(_("answers"), default=0)
    n_unparsable = models.PositiveSmallIntegerField(_("unparsable"), default=0)
    n_failed = models.PositiveSmallIntegerField(_("refused or failed"), default=0)
    # Pairs: did the verdict change when the responses swapped places (None: an order missing).
    position_flip = models.BooleanField(_("position flip"), null=True, blank=True)
    uncertainty = models.FloatField(_("uncertainty"), default=0)

    class Meta:
        ordering = ["run", "item"]
        constraints = [
            models.UniqueConstraint(fields=["run", "item"], name="one_signal_per_run_item"),
        ]
        verbose_name = _("judge signal")
        verbose_name_plural = _("judge signals")

    def __str__(self) -> str:
        return f"{self.run} on {self.item}: {self.verdict or '-'} ({self.uncertainty:.2f})"


class ExternalRating(models.Model):
    """A rating from a spreadsheet study (import_ratings), keyed by the study's own item names."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="external_ratings")
    rubric = models.ForeignKey(Rubric, on_delete=models.PROTECT, related_name="+")
    item_key = models.CharField(_("item"), max_length=200)
    rater = models.CharField(_("rater"), max_length=200)
    criterion_code = models.CharField(_("criterion"), max_length=40)
    # None: the rater gave no value (not applicable or left blank).
    score = models.FloatField(_("score"), null=True, blank=True)
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)
    # A re-import changes scores in place; this moves with them, so cached reports see it.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["project", "item_key", "rater", "criterion_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "rubric", "item_key", "rater", "criterion_code"],
                name="one_external_rating",
            ),
        ]
        verbose_name = _("external rating")
        verbose_name_plural = _("external ratings")

    def __str__(self) -> str:
        return f"{self.item_key}/{self.rater}/{self.criterion_code}={self.score}"


class AgreementSnapshot(models.Model):
    """A computed agreement report, reused while the project's ratings have not changed."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="agreement_snapshots"
    )
    # sha256 of the filters (rubric, period) and the data version.
    key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "key"], name="one_snapshot_per_key"),
        ]
        verbose_name = _("agreement snapshot")
        verbose_name_plural = _("agreement snapshots")

    def __str__(self) -> str:
        return f"agreement of {self.project} ({self.key[:8]})"
