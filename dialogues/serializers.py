"""API shapes of import batches and sessions."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.serializers import JobSerializer
from dialogues.importers import importer_formats
from dialogues.models import (
    Candidate,
    Flag,
    ImportBatch,
    Session,
    SourcePreference,
    SourceRating,
    Speaker,
    Turn,
)


class ImportErrorSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    record = serializers.IntegerField(allow_null=True)
    field = serializers.CharField()
    message = serializers.CharField()


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True, default=None
    )
    job = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "project",
            "name",
            "files",
            "sha256",
            "format",
            "format_override",
            "skip_invalid",
            "status",
            "records_total",
            "sessions_created",
            "duplicates",
            "invalid",
            "candidates_created",
            "flags_created",
            "created_by",
            "created_at",
            "finished_at",
            "failure",
            "left_out",
            "job",
        ]
        read_only_fields = fields


class ImportBatchDetailSerializer(ImportBatchSerializer):
    # Not "errors": that name is the serializer's own validation result.
    error_report = ImportErrorSerializer(source="errors", many=True, read_only=True)
    duplicate_report = serializers.JSONField(read_only=True)

    class Meta(ImportBatchSerializer.Meta):
        fields = [*ImportBatchSerializer.Meta.fields, "error_report", "duplicate_report"]
        read_only_fields = fields


class _FormatChoiceSerializer(serializers.Serializer[dict[str, Any]]):
    """A request naming an import format: its choices are the formats registered when it is made.

    Each subclass declares its fields itself, so that the schema lists them in the order a
    reader expects (what to import first, then how).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["format"]
        assert isinstance(field, serializers.ChoiceField)
        field.choices = sorted(cls.format for cls in importer_formats())


class ImportRequestSerializer(_FormatChoiceSerializer):
    files = serializers.ListField(
        child=serializers.FileField(), allow_empty=False, help_text="one or more files or archives"
    )
    format = serializers.ChoiceField(choices=[], required=False, allow_blank=True, default="")
    skip_invalid = serializers.BooleanField(required=False, default=False)


class BucketImportRequestSerializer(_FormatChoiceSerializer):
    location = serializers.CharField(
        max_length=1000,
        help_text="s3://bucket/prefix/ under one of the locations the operator allows",
    )
    format = serializers.ChoiceField(choices=[], required=False, allow_blank=True, default="")
    skip_invalid = serializers.BooleanField(required=False, default=False)


class ImportStartedSerializer(serializers.Serializer[dict[str, Any]]):
    batch = ImportBatchSerializer()
    job = JobSerializer(allow_null=True)


class SessionSerializer(serializers.ModelSerializer[Session]):
    batch = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[var-annotated]
    open_flags = serializers.IntegerField(read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "batch",
            "source_format",
            "source_id",
            "language",
            "topic",
            "generator_model",
            "turn_count",
            "open_flags",
            "content_hash",
            "created_at",
        ]
        read_only_fields = fields


class SessionTurnSerializer(serializers.ModelSerializer[Turn]):
    class Meta:
        model = Turn
        fields = ["id", "index", "speaker", "text"]
        read_only_fields = fields


class SourceRatingSerializer(serializers.ModelSerializer[SourceRating]):
    class Meta:
        model = SourceRating
        fields = ["id", "candidate", "criterion", "score", "rater"]
        read_only_fields = fields


class CandidateSerializer(serializers.ModelSerializer[Candidate]):
    class Meta:
        model = Candidate
        fields = ["id", "turn_index", "key", "text", "model_name", "origin", "metadata"]
        read_only_fields = fields


class SourcePreferenceSerializer(serializers.ModelSerializer[SourcePreference]):
    class Meta:
        model = SourcePreference
        fields = ["id", "chosen", "rejected", "provenance", "metadata"]
        read_only_fields = fields


class FlagSerializer(serializers.ModelSerializer[Flag]):
    speaker = serializers.ChoiceField(
        choices=Speaker.choices,
        allow_blank=True,
        read_only=True,
        help_text="Who spoke the flagged text; empty when the flag names no speaker.",
    )

    class Meta:
        model = Flag
        fields = [
            "id",
            "turn",
            "candidate",
            "kind",
            "category",
            "speaker",
            "matched_text",
            "start",
            "end",
            "detector",
            "status",
            "clear_reason",
            "cleared_at",
        ]
        read_only_fields = fields


class SessionDetailSerializer(SessionSerializer):
    metadata = serializers.JSONField(read_only=True)
    labels = serializers.JSONField(read_only=True)
    turns = SessionTurnSerializer(many=True, read_only=True)
    candidates = CandidateSerializer(many=True, read_only=True)
    source_ratings = SourceRatingSerializer(many=True, read_only=True)
    source_preferences = SourcePreferenceSerializer(many=True, read_only=True)
    flags = FlagSerializer(many=True, read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [
            *(f for f in SessionSerializer.Meta.fields if f != "open_flags"),
            "metadata",
            "labels",
            "turns",
            "candidates",
            "source_ratings",
            "source_preferences",
            "flags",
        ]
        read_only_fields = fields
