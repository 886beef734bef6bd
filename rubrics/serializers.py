from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rubrics.models import Criterion, CriterionGroup, Rubric

# Texts are objects keyed by language code ("en", "zh-hans").
_TEXTS_SCHEMA = {"type": "object", "additionalProperties": {"type": "string"}}


@extend_schema_field(_TEXTS_SCHEMA)
class TextsField(serializers.JSONField):
    pass


class AnchorSerializer(serializers.Serializer[dict[str, Any]]):
    score = serializers.DecimalField(max_digits=9, decimal_places=3, coerce_to_string=False)
    text = TextsField()


class CriterionSerializer(serializers.ModelSerializer[Criterion]):
    group = serializers.CharField(
        source="group.code", read_only=True, allow_null=True, default=None
    )
    title = TextsField()
    description = TextsField()
    anchors = AnchorSerializer(many=True)

    class Meta:
        model = Criterion
        fields = [
            "position",
            "code",
            "group",
            "title",
            "description",
            "scale_kind",
            "scale_min",
            "scale_max",
            "scale_step",
            "points",
            "weight",
            "allow_na",
            "rationale_required",
            "measurement",
            "anchors",
        ]
        read_only_fields = fields


class CriterionGroupSerializer(serializers.ModelSerializer[CriterionGroup]):
    title = TextsField()

    class Meta:
        model = CriterionGroup
        fields = ["position", "code", "title", "maximum"]
        read_only_fields = fields


class RubricSourceSerializer(serializers.ModelSerializer[Rubric]):
    class Meta:
        model = Rubric
        fields = ["slug", "version"]
        read_only_fields = fields


class RubricVersionSerializer(serializers.ModelSerializer[Rubric]):
    name = TextsField()
    description = TextsField()
    languages = serializers.ListField(child=serializers.CharField())
    derived_from = RubricSourceSerializer(
        read_only=True,
        allow_null=True,
        help_text="the published version this rubric was copied from, or null",
    )

    class Meta:
        model = Rubric
        fields = [
            "slug",
            "version",
            "status",
            "scope",
            "languages",
            "name",
            "description",
            "source",
            "total_method",
            "cutoff",
            "builtin",
            "created_at",
            "published_at",
            "derived_from",
        ]
        read_only_fields = fields


class RubricDetailSerializer(RubricVersionSerializer):
    groups = CriterionGroupSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta(RubricVersionSerializer.Meta):
        fields = [*RubricVersionSerializer.Meta.fields, "groups", "criteria"]
        read_only_fields = fields
