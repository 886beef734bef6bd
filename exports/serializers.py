from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from core.serializers import JobSerializer
from dialogues.models import Language
from exports.models import (
    DpoSource,
    ExportKindChoice,
    ExportSpecification,
    ExportVersion,
    SftModeChoice,
    SftStartChoice,
    SystemPromptMode,
    TiePolicy,
)
from exports.writers import WRITERS


class ExportSpecificationSerializer(serializers.ModelSerializer[ExportSpecification]):
    projects: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )

    class Meta:
        model = ExportSpecification
        fields = [
            "id",
            "name",
            "kind",
            "projects",
            "min_total",
            "min_scores",
            "min_reviewers",
            "min_agreement",
            "languages",
            "source_formats",
            "dpo_sources",
            "tie_policy",
            "margin_threshold",
            "sft_mode",
            "sft_start",
            "system_prompt_mode",
            "train_ratio",
            "validation_ratio",
            "test_ratio",
            "seed",
            "formats",
            "judge",
            "judge_max_uncertainty",
            "created_at",
        ]


class ExportVersionSerializer(serializers.ModelSerializer[ExportVersion]):
    name = serializers.CharField(source="specification.name", read_only=True)
    kind = serializers.CharField(source="specification.kind", read_only=True)
    specification = serializers.IntegerField(source="specification_id", read_only=True)
    approved_by = serializers.CharField(
        source="approved_by.username", read_only=True, allow_null=True, default=None
    )
    job = serializers.IntegerField(source="job_id", read_only=True, allow_null=True)
    files = serializers.SerializerMethodField()

    class Meta:
        model = ExportVersion
        fields = [
            "id",
            "specification",
            "name",
            "kind",
            "number",
            "status",
            "error",
            "job",
            "counts",
            "built_at",
            "approved_by",
            "approved_at",
            "files",
        ]

    def get_files(self, version: ExportVersion) -> list[dict[str, Any]]:
        return [
            {
                key: entry[key]
                for key in ("path", "split", "role", "format", "rows", "bytes", "sha256")
            }
            for entry in version.manifest.get("files", [])
        ]


class ExportVersionDetailSerializer(ExportVersionSerializer):
    class Meta(ExportVersionSerializer.Meta):
        fields = [*ExportVersionSerializer.Meta.fields, "manifest"]


class ExportSpecificationCreateSerializer(serializers.Serializer[Any]):
    """What a lead sends to create a specification; the specification form checks it, so the
    API and the browser refuse the same things with the same messages."""

    name = serializers.CharField(max_length=200)
    projects = serializers.ListField(
        child=serializers.SlugField(), min_length=1, help_text="slugs of projects you lead"
    )
    kind = serializers.ChoiceField(choices=ExportKindChoice.choices)
    min_total = serializers.DecimalField(
        max_digits=9, decimal_places=3, required=False, allow_null=True
    )
    min_scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=9, decimal_places=3),
        required=False,
        help_text="criterion code -> lowest final score",
    )
    min_reviewers = serializers.IntegerField(min_value=0, required=False, default=1)
    min_agreement = serializers.DictField(
        child=serializers.DecimalField(max_digits=4, decimal_places=3),
        required=False,
        help_text="criterion code -> lowest Krippendorff's alpha",
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=Language.choices), required=False
    )
    source_formats = serializers.ListField(child=serializers.CharField(), required=False)
    dpo_sources = serializers.ListField(
        child=serializers.ChoiceField(choices=DpoSource.choices), required=False
    )
    tie_policy = serializers.ChoiceField(choices=TiePolicy.choices, default=TiePolicy.DROP)
    margin_threshold = serializers.DecimalField(
        max_digits=9, decimal_places=3, required=False, default=Decimal("1")
    )
    sft_mode = serializers.ChoiceField(choices=SftModeChoice.choices, default="session")
    sft_start = serializers.ChoiceField(choices=SftStartChoice.choices, default="keep")
    system_prompt_mode = serializers.ChoiceField(
        choices=SystemPromptMode.choices, default=SystemPromptMode.NONE
    )
    system_prompt_text = serializers.CharField(required=False, allow_blank=True, default="")
    train_ratio = serializers.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.8"))
    validation_ratio = serializers.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.1")
    )
    test_ratio = serializers.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.1"))
    seed = serializers.IntegerField(min_value=0, default=0)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(WRITERS)),
        required=False,
        default=["parquet", "jsonl"],
    )
    judge = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "id of a judge configuration of one of the projects: also export the items nobody "
            "reviewed that this judge is sure about (label_source 'judge' in provenance)"
        ),
    )
    judge_max_uncertainty = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        required=False,
        default=Decimal(0),
        help_text="the highest uncertainty accepted from the judge, 0 (strict) to 0.29",
    )


class ExportToBucketRequestSerializer(serializers.Serializer[dict[str, Any]]):
    location = serializers.CharField(
        max_length=1000,
        help_text="s3://bucket/prefix/ under one of the locations the operator allows",
    )


class ExportToBucketSerializer(serializers.Serializer[dict[str, Any]]):
    location = serializers.CharField(help_text="where the version's folder goes")
    job = JobSerializer(help_text="the copy; its status, progress and any failure's reason")
