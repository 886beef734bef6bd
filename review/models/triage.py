"""Where each item stands in the triage queue order (``review.services.triage`` keeps it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TriageBand(models.IntegerChoices):
    # Lower comes first. Crisis is decided when the queue is read (a flag may be raised at any
    # time); the others when the ranking is refreshed after a judge run or a settings change.
    CRISIS = 0, _("Crisis-flagged")
    UNSURE = 1, _("Judges unsure or disagreeing")
    UNJUDGED = 2, _("Not judged")
    CONTROL = 3, _("Control slice")
    CONFIDENT = 4, _("Judges confident")


class TriageRank(models.Model):
    """One item's band and priority in its project's triage order."""

    item = models.OneToOneField(
        "review.Item", on_delete=models.CASCADE, primary_key=True, related_name="triage"
    )
    band = models.PositiveSmallIntegerField(_("band"), choices=TriageBand.choices)
    # Within a band, higher first: the judges' uncertainty or disagreement on 0..1.
    priority = models.FloatField(_("priority"), default=0)
    # Drawn into the control slice (by a hash of the item, never by what the judges said);
    # kept even where another band wins, so the control estimate covers every kind of item.
    control = models.BooleanField(_("control"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["band", "priority"])]
        verbose_name = _("triage rank")
        verbose_name_plural = _("triage ranks")

    def __str__(self) -> str:
        return f"{self.item_id}: band {self.band} ({self.priority:.2f})"
