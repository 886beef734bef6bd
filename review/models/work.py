"""What reviewers do: items, assignments, reviews with per-criterion scores, pairwise judgments,
rewrites, adjudications and calibration waivers.

Everything a
reviewer writes is kept: drafts become submissions, and an edit after submission stores the earlier
version with the reason (ReviewRevision), besides the audit log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Project
from dialogues.models import Candidate, Session
from rubrics.models import Criterion, Rubric


class Item(models.Model):
    """One thing to review: a session to score (and rewrite in), or a pair of responses."""

    class Kind(models.TextChoices):
        SESSION = "session", _("Session")
        PAIR = "pair", _("Response pair")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_REVIEW = "in_review", _("In review")
        REVIEWED = "reviewed", _("Reviewed")
        NEEDS_ADJUDICATION = "needs_adjudication", _("Needs adjudication")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="review_items", verbose_name=_("project")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="review_items", verbose_name=_("session")
    )
    # For pairs: the context is session.turns[:turn_index]; a and b answer it.
    turn_index = models.PositiveIntegerField(_("context length"), null=True, blank=True)
    candidate_a = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    candidate_b = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.PENDING
    )
    # Gold (calibration) items carry the expected answer: {criterion code: score} and/or a choice.
    is_gold = models.BooleanField(_("gold item"), default=False)
    gold_scores = models.JSONField(_("expected scores"), default=dict, blank=True)
    gold_choice = models.CharField(_("expected choice"), max_length=20, blank=True)
    # Deterministic but scattered queue order, so reviewers do not all start on the same items.
    position = models.BigIntegerField(_("position"), default=0)
    # Reviews wanted beyond the project's overlap: a lead sent the item back for another look.
    extra_slots = models.PositiveSmallIntegerField(_("extra reviewer slots"), default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["project", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "session"],
                condition=models.Q(kind="session"),
                name="one_session_item_per_project",
            ),
            models.UniqueConstraint(
                fields=["project", "candidate_a", "candidate_b"],
                condition=models.Q(kind="pair"),
                name="one_pair_item_per_project",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="session")
                | models.Q(
                    candidate_a__isnull=False, candidate_b__isnull=False, turn_index__isnull=False
                ),
                name="pair_item_has_candidates",
            ),
        ]
        indexes = [
            models.Index(fields=["project", "status"]),
            models.Index(fields=["project", "is_gold", "position"]),
        ]
        verbose_name = _("review item")
        verbose_name_plural = _("review items")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Assignment(models.Model):
    """A reviewer's slot on an item: reserved when taken, then submitted, skipped or released.

    An item has at most ``overlap`` slots that are submitted or reserved and not yet expired;
    the assignment service takes a row lock on the item to keep it so.
    """

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        SUBMITTED = "submitted", _("Submitted")
        SKIPPED = "skipped", _("Skipped")
        RELEASED = "released", _("Released")  # the reservation expired and someone else took it

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("item")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_assignments",
        verbose_name=_("reviewer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RESERVED
    )
    reserved_until = models.DateTimeField(_("reserved until"), null=True, blank=True)
    # Pairwise: True when candidate_b is shown on the left. Drawn once per assignment, kept.
    swapped = models.BooleanField(_("order swapped"), default=False)
    skip_reason = models.TextField(_("reason for skipping"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["item", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "reviewer"], name="one_slot_per_reviewer"),
        ]
        indexes = [models.Index(fields=["reviewer", "status"])]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.item} ({self.status})"


class ReviewFlag(models.TextChoices):
    CRISIS = "crisis", _("Crisis or safety concern")
    PII = "pii", _("Personal data present")
    UNUSABLE = "unusable", _("Unusable")
    OFF_TOPIC = "off_topic", _("Off-topic")


class Review(models.Model):
    """A reviewer's scoring of a session item against the project's rubric version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="review", verbose_name=_("assignment")
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("item")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("reviewer"),
    )
    # The exact version scored against; never changes once set.
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("rubric")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    comment = models.TextField(_("overall comment"), blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    total = models.DecimalField(_("total"), max_digits=9, decimal_places=3, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["item", "submitted_at", "pk"]
        indexes = [models.Index(fields=["item", "status"])]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"review of {self.item} by {self.reviewer}"


class Score(models.Model):
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    # None with not_applicable False means "not scored yet" (drafts only).
    value = models.DecimalField(_("score"), max_digits=9, decimal_places=3, null=True, blank=True)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    rationale = models.TextField(_("rationale"), blank=True)
    # Turn indexes (0-based) the reviewer cited as evidence.
    evidence_turns = models.JSONField(_("evidence turns"), default=list, blank=True)

    class Meta:
        ordering = ["review", "criterion__position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion"),
        ]
        verbose_name = _("score")
        verbose_name_plural = _("scores")

    def __str__(self) -> str:
        return f"{self.criterion.code}={'NA' if self.not_applicable else self.value}"


class ReviewRevision(models.Model):
    """The state of a submitted review or judgment before an edit, with the edit's reason."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions"
    )
    judgment = models.ForeignKey(
        "PairwiseJudgment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
    )
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    reason = models.TextField(_("reason"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("review revision")
        verbose_name_plural = _("review revisions")

    def __str__(self) -> str:
        return f"revision {self.version}"


class Choice(models.TextChoices):
    """A pairwise verdict in terms of the item's candidates a and b, never of screen sides."""

    A = "a", _("A is better")
    B = "b", _("B is better")
    TIE = "tie", _("Tie")
    BOTH_BAD = "both_bad", _("Both unacceptable")


class PairwiseJudgment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Strength(models.IntegerChoices):
        SLIGHT = 1, _("Slightly")
        CLEAR = 2, _("Clearly")
        STRONG = 3, _("Much")

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="judgment", verbose_name=_("assignment")
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="judgments", verbose_name=_("item")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pairwise_judgments",
        verbose_name=_("reviewer"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    choice = models.CharField(_("choice"), max_length=20, choices=Choice.choices, blank=True)
    strength = models.PositiveSmallIntegerField(
        _("strength"), choices=Strength.choices, null=True, blank=True
    )
    # {principle code: "a" | "b" | "tie"} against the project's pair rubric.
    principle_choices = models.JSONField(_("per-principle choices"), default=dict, blank=True)
    rationale = models.TextField(_("rationale"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["item", "submitted_at", "pk"]
        verbose_name = _("pairwise judgment")
        verbose_name_plural = _("pairwise judgments")

    def __str__(self) -> str:
        return f"judgment of {self.item} by {self.reviewer}: {self.choice or '-'}"


class Rewrite(models.Model):
    """A reviewer's better version of a counselor turn: a pair with the original rejected."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="rewrites", verbose_name=_("item")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="rewrites",
        verbose_name=_("reviewer"),
    )
    # The counselor turn rewritten (0-based); the context is the turns before it.
    turn_index = models.PositiveIntegerField(_("turn"))
    original = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    rewrite = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    rationale = models.TextField(_("rationale"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["item", "turn_index", "pk"]
        verbose_name = _("rewrite")
        verbose_name_plural = _("rewrites")

    def __str__(self) -> str:
        return f"rewrite of turn {self.turn_index + 1} on {self.item}"


class Adjudication(models.Model):
    """A lead's final word on an item; the latest one counts, earlier ones stay on record."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="adjudications", verbose_name=_("item")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # {criterion code: number, or null for not applicable}
    scores = models.JSONField(_("final scores"), default=dict, blank=True)
    total = models.DecimalField(_("total"), max_digits=9, decimal_places=3, null=True, blank=True)
    choice = models.CharField(_("final choice"), max_length=20, choices=Choice.choices, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["item", "-created_at", "-pk"]
        verbose_name = _("adjudication")
        verbose_name_plural = _("adjudications")

    def __str__(self) -> str:
        return f"adjudication of {self.item}"


class CalibrationWaiver(models.Model):
    """A lead's decision that a reviewer may do live work without passing calibration.

    Withdrawing the waiver deletes the row (the audit log keeps both events).
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "reviewer"], name="one_calibration_waiver_per_reviewer"
            ),
        ]
        verbose_name = _("calibration waiver")
        verbose_name_plural = _("calibration waivers")

    def __str__(self) -> str:
        return f"calibration waived for {self.reviewer} in {self.project}"
