from __future__ import annotations

from typing import Any

from rest_framework import serializers

from exports.models import ExportSpecification, ExportVersion


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
            "system_prompt_mode",
            "train_ratio",
            "validation_ratio",
            "test_ratio",
            "seed",
            "formats",
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
