"""What the review API reads and writes.

A pair is shown to an API client exactly as to a page: the two responses in the left / right
order drawn for the assignment, and choices given in screen sides. The services store them in
terms of the item's candidates a and b, so the order a client happened to see never reaches the
data. Turns are numbered by their zero-based ``index`` everywhere in the API, evidence included.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.limits import TEXT_MAX_CHARS
from review.models import (
    Assignment,
    Choice,
    Item,
    PairwiseJudgment,
    Review,
    ReviewFlag,
)
from review.services.pairwise import (
    SIDES,
    JudgmentInput,
    choice_from_side,
    side_from_choice,
)
from review.services.reviewing import ReviewInput, ScoreInput
from rubrics.serializers import RubricDetailSerializer

SIDE_CHOICES = [*SIDES, Choice.TIE.value, Choice.BOTH_BAD.value]
PRINCIPLE_SIDES = [*SIDES, Choice.TIE.value]


# -- reading ---------------------------------------------------------------------------------


class TurnSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(help_text="Zero-based; pages show it plus one.")
    speaker = serializers.CharField()
    text = serializers.CharField()


class ResponseSerializer(serializers.Serializer[Any]):
    side = serializers.ChoiceField(choices=list(SIDES))
    text = serializers.CharField()


class ScoreOutSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(
        max_digits=9, decimal_places=3, coerce_to_string=False, allow_null=True
    )
    not_applicable = serializers.BooleanField()
    rationale = serializers.CharField(allow_blank=True)
    evidence_turns = serializers.ListField(child=serializers.IntegerField())


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class PrinciplesField(serializers.DictField):
    pass


class ReviewOutSerializer(serializers.ModelSerializer[Review]):
    """A review with its scores keyed by criterion code."""

    reviewer = serializers.CharField(source="reviewer.username")
    rubric = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()
    total = serializers.DecimalField(
        max_digits=9, decimal_places=3, coerce_to_string=False, allow_null=True
    )

    class Meta:
        model = Review
        fields = [
            "reviewer",
            "status",
            "version",
            "rubric",
            "scores",
            "comment",
            "flags",
            "total",
            "passed",
            "submitted_at",
        ]
        read_only_fields = fields

    def get_rubric(self, review: Review) -> str:
        return f"{review.rubric.slug} v{review.rubric.version}"

    @extend_schema_field(serializers.DictField(child=ScoreOutSerializer()))
    def get_scores(self, review: Review) -> dict[str, Any]:
        return {
            score.criterion.code: ScoreOutSerializer(score).data for score in review.scores.all()
        }


class JudgmentOutSerializer(serializers.ModelSerializer[PairwiseJudgment]):
    """A judgment in a / b terms: what was chosen, not where it stood on anyone's screen."""

    reviewer = serializers.CharField(source="reviewer.username")

    class Meta:
        model = PairwiseJudgment
        fields = [
            "reviewer",
            "status",
            "version",
            "choice",
            "strength",
            "principle_choices",
            "rationale",
            "submitted_at",
        ]
        read_only_fields = fields


class JudgmentDraftSerializer(serializers.Serializer[Any]):
    """The caller's own judgment in screen sides, as they would see it on the page."""

    status = serializers.ChoiceField(choices=PairwiseJudgment.Status.choices)
    version = serializers.IntegerField()
    choice = serializers.ChoiceField(choices=SIDE_CHOICES, allow_blank=True)
    strength = serializers.IntegerField(allow_null=True)
    principles = PrinciplesField(child=serializers.CharField())
    rationale = serializers.CharField(allow_blank=True)

    @staticmethod
    def from_judgment(judgment: PairwiseJudgment, *, swapped: bool) -> dict[str, Any]:
        return {
            "status": judgment.status,
            "version": judgment.version,
            "choice": side_from_choice(swapped=swapped, choice=judgment.choice),
            "strength": judgment.strength,
            "principles": {
                code: side_from_choice(swapped=swapped, choice=value)
                for code, value in judgment.principle_choices.items()
            },
            "rationale": judgment.rationale,
        }


class ItemRefSerializer(serializers.ModelSerializer[Item]):
    class Meta:
        model = Item
        fields = ["id", "kind", "status", "is_gold"]
        read_only_fields = fields


class AssignmentRefSerializer(serializers.ModelSerializer[Assignment]):
    class Meta:
        model = Assignment
        fields = ["status", "reserved_until", "submitted_at"]
        read_only_fields = fields


class SessionRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    source_id = serializers.CharField()
    language = serializers.CharField()
    topic = serializers.CharField(allow_blank=True)
    turn_count = serializers.IntegerField()


class WorkSerializer(serializers.Serializer[Any]):
    """One item as its reviewer works on it (built by ``review.api.work.work_payload``)."""

    project = serializers.CharField(help_text="The project's slug.")
    item = ItemRefSerializer()
    assignment = AssignmentRefSerializer()
    guidelines = serializers.CharField(allow_blank=True, help_text="Markdown.")
    session = SessionRefSerializer()
    turns = TurnSerializer(
        many=True, help_text="The conversation; for a pair, the context the responses answer."
    )
    responses = ResponseSerializer(
        many=True, help_text="Pairs only: the two responses in the order drawn for you."
    )
    rubric = RubricDetailSerializer(allow_null=True)
    principles = RubricDetailSerializer(
        allow_null=True, help_text="Pairs only: the principles to prefer a side on, if any."
    )
    review = ReviewOutSerializer(allow_null=True, help_text="Your draft or submitted review.")
    judgment = JudgmentDraftSerializer(
        allow_null=True, help_text="Your draft or submitted judgment, in screen sides."
    )


class OwnWorkSerializer(serializers.Serializer[Any]):
    """What a draft save or a submission leaves: your slot and your review or judgment."""

    item = ItemRefSerializer()
    assignment = AssignmentRefSerializer()
    review = ReviewOutSerializer(allow_null=True)
    judgment = JudgmentDraftSerializer(allow_null=True, help_text="In screen sides.")


class VisibleWorkSerializer(serializers.Serializer[Any]):
    """Reviews and judgments of an item that the caller may see (blind review applies)."""

    item = ItemRefSerializer()
    reviews = ReviewOutSerializer(many=True)
    judgments = JudgmentOutSerializer(many=True)


class StatusCountSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Item.Status.choices)
    count = serializers.IntegerField()


class ReviewerProgressSerializer(serializers.Serializer[Any]):
    reviewer = serializers.CharField()
    submitted = serializers.IntegerField()
    reserved = serializers.IntegerField(help_text="Reservations that have not expired.")
    skipped = serializers.IntegerField()


class AdjudicationNeedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Item.Kind.choices)
    session = serializers.IntegerField()
    spread = serializers.DecimalField(max_digits=9, decimal_places=3, coerce_to_string=False)
    criteria = serializers.ListField(child=serializers.CharField())
    share = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        coerce_to_string=False,
        help_text="The spread as a share of the criterion's scale; a split pair is 1.",
    )


class ProjectStatusSerializer(serializers.Serializer[Any]):
    project = serializers.CharField()
    overlap = serializers.IntegerField()
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(
        help_text="Past the due date with items not yet approved or rejected."
    )
    items = serializers.IntegerField()
    slots = serializers.IntegerField(help_text="Items times reviewers per item.")
    submitted = serializers.IntegerField(help_text="Submitted slots (at most one per slot).")
    by_status = StatusCountSerializer(many=True)
    reviewers = ReviewerProgressSerializer(many=True)
    needs_adjudication = AdjudicationNeedSerializer(
        many=True, help_text="Worst disagreement first."
    )


# -- writing ---------------------------------------------------------------------------------


class ScoreInSerializer(serializers.Serializer[Any]):
    value = serializers.DecimalField(
        max_digits=9, decimal_places=3, allow_null=True, required=False, default=None
    )
    not_applicable = serializers.BooleanField(required=False, default=False)
    rationale = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=TEXT_MAX_CHARS
    )
    evidence_turns = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )


class ReviewInSerializer(serializers.Serializer[Any]):
    """Scores keyed by criterion code; leave a criterion out (or its value null) while drafting."""

    scores = serializers.DictField(child=ScoreInSerializer(), required=False, default=dict)
    comment = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=TEXT_MAX_CHARS
    )
    flags = serializers.ListField(
        child=serializers.ChoiceField(choices=ReviewFlag.choices), required=False, default=list
    )
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=TEXT_MAX_CHARS,
        help_text="Required when changing a review you have already submitted.",
    )

    def to_input(self) -> ReviewInput:
        data = self.validated_data
        return ReviewInput(
            scores={
                code: ScoreInput(
                    value=entry["value"],
                    not_applicable=entry["not_applicable"],
                    rationale=entry["rationale"].strip(),
                    evidence_turns=list(entry["evidence_turns"]),
                )
                for code, entry in data["scores"].items()
            },
            comment=data["comment"].strip(),
            flags=list(data["flags"]),
        )


class JudgmentInSerializer(serializers.Serializer[Any]):
    """A preference in screen sides (left / right as ``responses`` lists them)."""

    choice = serializers.ChoiceField(choices=SIDE_CHOICES, allow_blank=True, required=False)
    strength = serializers.ChoiceField(
        choices=PairwiseJudgment.Strength.choices, allow_null=True, required=False
    )
    principles = PrinciplesField(
        child=serializers.ChoiceField(choices=PRINCIPLE_SIDES), required=False, default=dict
    )
    rationale = serializers.CharField(
        allow_blank=True, required=False, default="", max_length=TEXT_MAX_CHARS
    )
    reason = serializers.CharField(
        allow_blank=True,
        required=False,
        default="",
        max_length=TEXT_MAX_CHARS,
        help_text="Required when changing a judgment you have already submitted.",
    )

    def to_input(self, *, swapped: bool) -> JudgmentInput:
        data = self.validated_data
        return JudgmentInput(
            choice=choice_from_side(swapped=swapped, side=data.get("choice") or ""),
            strength=data.get("strength"),
            principle_choices={
                code: choice_from_side(swapped=swapped, side=side)
                for code, side in data["principles"].items()
            },
            rationale=data["rationale"].strip(),
        )


class SkipInSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        allow_blank=True, max_length=TEXT_MAX_CHARS, help_text="Why you skip this item."
    )


class ProblemsSerializer(serializers.Serializer[Any]):
    """Why nothing was saved: a message per field (criterion code, ``choice``, ``reason``...)."""

    detail = serializers.CharField()
    problems = serializers.DictField(child=serializers.CharField())
