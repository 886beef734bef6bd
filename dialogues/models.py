"""Imported counseling sessions: batches, sessions, turns, candidate responses and screening flags.

Sessions belong to a project (the unit of access); the same content imported twice into one
project is stored once, recognised by the hash of its normalised turns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import Job, Project


class Speaker(models.TextChoices):
    CLIENT = "client", _("Client")
    COUNSELOR = "counselor", _("Counselor")
    SYSTEM = "system", _("System")


class Language(models.TextChoices):
    EN = "en", _("English")
    ZH = "zh", _("Chinese")


IMPORT_KIND = "dialogues.import"


# What an import may leave out without refusing a record, as counted in ImportBatch.left_out.
LEFT_OUT = {
    "archive_members_unsafe": _("Archive members skipped (outside the folder, or links)"),
    "empty_messages": _("Empty messages left out"),
    "counselchat_answers_known": _("CounselChat answers already imported"),
}


class ImportBatch(models.Model):
    """One upload: one file, or a folder or archive of many, imported all together or not at all."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")  # invalid records and no --skip-invalid
        FAILED = "failed", _("Failed")  # the import itself broke; retrying may help

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="import_batches", verbose_name=_("project")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # What the user gave, e.g. "cactus.json" or "cpsycoun.zip".
    name = models.CharField(_("name"), max_length=300)
    # One entry per file read: {"name": ..., "sha256": ..., "size": ..., "format": ...}.
    files = models.JSONField(_("files"), default=list, blank=True)
    # sha256 of the upload as given (the archive, or the sorted file hashes of a folder).
    sha256 = models.CharField(_("sha256"), max_length=64, blank=True)
    # Where the uploaded files wait for the worker: a key prefix of the "uploads" storage
    # (relative to MEDIA_ROOT on the local backend).
    upload_path = models.CharField(_("upload path"), max_length=500, blank=True)
    # s3://bucket/prefix/ for a batch whose files the job copies from a bucket first.
    source_location = models.CharField(_("bucket location"), max_length=1000, blank=True)
    format = models.CharField(_("format"), max_length=40, blank=True)
    format_override = models.BooleanField(_("format chosen by hand"), default=False)
    skip_invalid = models.BooleanField(_("skip invalid records"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    records_total = models.PositiveIntegerField(_("records"), default=0)
    sessions_created = models.PositiveIntegerField(_("sessions created"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    invalid = models.PositiveIntegerField(_("invalid records"), default=0)
    candidates_created = models.PositiveIntegerField(_("candidate responses"), default=0)
    flags_created = models.PositiveIntegerField(_("flags"), default=0)
    # Each problem: {"file", "line", "record", "field", "message"}; downloadable as CSV.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    # Each skipped duplicate: {"file", "record", "session_id"}.
    duplicate_report = models.JSONField(_("duplicates report"), default=list, blank=True)
    # What the import left out without refusing a record, by kind: {"empty_messages": 3}.
    left_out = models.JSONField(_("left out"), default=dict, blank=True)
    # Why a failed batch failed, in the words of its job (a crash, or a worker that stopped);
    # empty otherwise. Cleared when the batch is queued again.
    failure = models.TextField(_("failure"), blank=True)
    job = models.ForeignKey(
        Job,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def left_out_display(self) -> list[tuple[str, int]]:
        return [(str(LEFT_OUT.get(kind, kind)), count) for kind, count in self.left_out.items()]


class Session(models.Model):
    """One counseling conversation, normalised to turns, with what its source said about it."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("project")
    )
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("import batch"),
    )
    source_format = models.CharField(_("source format"), max_length=40)
    # The record's own id where the source has one, else "<file>#<record number>".
    source_id = models.CharField(_("source id"), max_length=300)
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    generator_model = models.CharField(_("generator model"), max_length=200, blank=True)
    # Intake form, CBT technique and plan, thought, distortion patterns, client attitude, ...
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    labels = models.JSONField(_("labels"), default=list, blank=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    turn_count = models.PositiveIntegerField(_("turns"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "content_hash"], name="one_session_per_content"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "source_format"]),
            models.Index(fields=["project", "language"]),
            models.Index(fields=["project", "topic"]),
        ]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.source_format}:{self.source_id}"


class Turn(models.Model):
    # No index of its own: the unique (session, index) constraint's index serves every lookup by
    # session, and one index fewer to maintain makes storing an import's turns cheaper.
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        related_name="turns",
        verbose_name=_("session"),
        db_index=False,
    )
    # Zero-based position in the conversation; pages show it plus one.
    index = models.PositiveIntegerField(_("index"))
    speaker = models.CharField(_("speaker"), max_length=20, choices=Speaker.choices)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["session", "index"]
        constraints = [
            models.UniqueConstraint(fields=["session", "index"], name="one_turn_per_index"),
        ]
        verbose_name = _("turn")
        verbose_name_plural = _("turns")

    def __str__(self) -> str:
        return f"{self.session_id}#{self.index} {self.speaker}"


class Candidate(models.Model):
    """An alternative counselor response to the session's first ``turn_index`` turns.

    Imported pairs (PsychoCounsel-Preference, CounselChat answers) and reviewers' rewrites are
    both candidates; ``origin`` tells which.
    """

    class Origin(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REWRITE = "rewrite", _("Reviewer rewrite")
        ORIGINAL = "original", _("Original turn")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("session")
    )
    # The context is turns[:turn_index]; for a single client speech that is 1.
    turn_index = models.PositiveIntegerField(_("context length"))
    # The source's name for it ("chosen", "rejected", "answer 3") or a rewrite's label.
    key = models.CharField(_("key"), max_length=100)
    text = models.TextField(_("text"))
    model_name = models.CharField(_("generating model"), max_length=200, blank=True)
    origin = models.CharField(
        _("origin"), max_length=20, choices=Origin.choices, default=Origin.IMPORTED
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["session", "turn_index", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "turn_index", "key"], name="one_candidate_per_key"
            ),
        ]
        verbose_name = _("candidate response")
        verbose_name_plural = _("candidate responses")

    def __str__(self) -> str:
        return f"{self.session_id}@{self.turn_index}:{self.key}"


class SourcePreference(models.Model):
    """A preference the source file carried (PsychoCounsel's chosen/rejected, CounselChat upvotes).

    It is provenance, not a verdict: exports use it only once reviewers have confirmed it.
    """

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="source_preferences"
    )
    chosen = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    rejected = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="+")
    provenance = models.CharField(_("provenance"), max_length=200)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)

    class Meta:
        ordering = ["session", "pk"]
        verbose_name = _("source preference")
        verbose_name_plural = _("source preferences")

    def __str__(self) -> str:
        return f"{self.chosen_id} over {self.rejected_id} ({self.provenance})"


class SourceRating(models.Model):
    """A score the source file carried, e.g. GPT-4o's 1-5 principle ratings in PsychoCounsel.

    ``rater`` names who gave it ("gpt-4o (PsychoCounsel-Preference)"), so agreement can treat
    the ratings of one provenance as one judge.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="source_ratings")
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="source_ratings"
    )
    criterion = models.CharField(_("criterion"), max_length=100)
    score = models.FloatField(_("score"))
    rater = models.CharField(_("rater"), max_length=200)

    class Meta:
        ordering = ["session", "pk"]
        indexes = [models.Index(fields=["rater", "criterion"])]
        verbose_name = _("source rating")
        verbose_name_plural = _("source ratings")

    def __str__(self) -> str:
        return f"{self.criterion}={self.score} by {self.rater}"


class Flag(models.Model):
    """A screening hit: crisis language or personal data, pointing at the turn and the text."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", _("Crisis language")
        PII = "pii", _("Personal data")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLEARED = "cleared", _("Cleared")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="flags", verbose_name=_("session")
    )
    turn = models.ForeignKey(
        Turn, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, null=True, blank=True, related_name="flags"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # suicidal, self_harm, harm_others, abuse; phone, email, cn_id, address, url, name
    category = models.CharField(_("category"), max_length=40)
    speaker = models.CharField(_("speaker"), max_length=20, choices=Speaker.choices, blank=True)
    matched_text = models.CharField(_("matched text"), max_length=500)
    start = models.PositiveIntegerField(_("start"), default=0)
    end = models.PositiveIntegerField(_("end"), default=0)
    # Which rule set found it, so a later rescan can tell old hits from new.
    detector = models.CharField(_("detector"), max_length=60)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    clear_reason = models.TextField(_("reason for clearing"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["session", "pk"]
        indexes = [models.Index(fields=["session", "status"])]
        verbose_name = _("flag")
        verbose_name_plural = _("flags")

    def __str__(self) -> str:
        return f"{self.kind}:{self.category} on {self.session_id}"


class SessionSearch(models.Model):
    """A session's turns as one upper-cased text: what the session list's search reads.

    Built after an import commits (``dialogues.services.search``), not per turn while it runs:
    a trigram index over one document per session holds each trigram once per session, where
    one over every turn held it once per turn and made storing turns five to ten times slower.
    A session without its document yet is searched through its turns directly.
    """

    session = models.OneToOneField(
        Session,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search",
        verbose_name=_("session"),
    )
    document = models.TextField(_("search document"))

    class Meta:
        verbose_name = _("session search document")
        verbose_name_plural = _("session search documents")

    def __str__(self) -> str:
        return f"search:{self.session_id}"
