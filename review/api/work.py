"""The review API: a reviewer's next item, drafts, submissions and skips; a lead's project status.

Views stay thin: the project comes from ``project_get_for_user`` (404 to outsiders, 403 to the
wrong role), a reviewer's item from ``assignment_for_reviewer`` (only their own slot), other
people's work from ``review.selectors.access`` (blind review), and every write goes through the
same services as the pages, so the API cannot do what a page would refuse.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from core.http import AuthedRequest
from core.models import Role
from core.selectors import project_get_for_user
from dialogues.models import Candidate
from review.api.serializers import (
    JudgmentDraftSerializer,
    JudgmentInSerializer,
    OwnWorkSerializer,
    ProblemsSerializer,
    ProjectStatusSerializer,
    ReviewInSerializer,
    SkipInSerializer,
    VisibleWorkSerializer,
    WorkSerializer,
)
from review.models import Assignment, Item, PairwiseJudgment, Review
from review.selectors.access import item_get_for_user, judgments_visible_to, reviews_visible_to
from review.selectors.reviewer import assignment_for_reviewer, item_page_data
from review.selectors.status import project_review_status
from review.services.assignment import assignment_next, assignment_skip
from review.services.pairwise import judgment_draft_save, judgment_edit, judgment_submit
from review.services.reviewing import ReviewError, review_draft_save, review_edit, review_submit

REVIEWERS = [Role.REVIEWER]

WORK_INPUT = PolymorphicProxySerializer(
    component_name="WorkInput",
    serializers=[ReviewInSerializer, JudgmentInSerializer],
    resource_type_field_name=None,
)
PROBLEMS = OpenApiResponse(ProblemsSerializer, description="Nothing was saved; see problems.")
CONFLICT = OpenApiResponse(
    ProblemsSerializer, description="The slot is no longer yours (skipped or expired)."
)


def _problems(detail: str, problems: dict[str, str], code: int = 400) -> Response:
    return Response({"detail": detail, "problems": problems}, status=code)


def _flatten(errors: Any, prefix: str = "") -> dict[str, str]:
    """DRF's nested error lists as one message per dotted field path (``scores.empathy.value``)."""
    if isinstance(errors, dict):
        flat: dict[str, str] = {}
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    if isinstance(errors, list):
        if errors and all(not isinstance(entry, dict | list) for entry in errors):
            return {prefix or "__all__": " ".join(str(entry) for entry in errors)}
        flat = {}
        for index, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}.{index}"))
        return flat
    return {prefix or "__all__": str(errors)}


def _invalid(serializer: Serializer[Any]) -> Response:
    return _problems(
        _("The request does not have the expected fields."), _flatten(serializer.errors)
    )


def _refused(exc: ReviewError) -> Response:
    return _problems(_("Nothing was saved."), exc.problems)


def work_payload(*, assignment: Assignment, user: Any) -> dict[str, Any]:
    """The item as its reviewer works on it, read in a fixed number of queries."""
    page = item_page_data(assignment=assignment, user=user)
    if page.rubric is not None:
        # The rubric serializer names each criterion's group: one query for all of them.
        prefetch_related_objects(list(page.rubric.criteria.all()), "group")
    item = assignment.item
    session = item.session
    responses: list[dict[str, str]] = []
    judgment = None
    if item.kind == Item.Kind.PAIR:
        texts = dict(
            Candidate.objects.filter(pk__in=[item.candidate_a_id, item.candidate_b_id]).values_list(
                "pk", "text"
            )
        )
        a, b = texts[item.candidate_a_id or 0], texts[item.candidate_b_id or 0]
        left, right = (b, a) if assignment.swapped else (a, b)
        responses = [{"side": "left", "text": left}, {"side": "right", "text": right}]
        if page.judgment is not None:
            judgment = JudgmentDraftSerializer.from_judgment(
                page.judgment, swapped=assignment.swapped
            )
    return {
        "project": item.project.slug,
        "item": item,
        "assignment": assignment,
        "guidelines": page.settings.guidelines,
        "session": {
            "id": session.pk,
            "source_id": session.source_id,
            "language": session.language,
            "topic": session.topic,
            "turn_count": session.turn_count,
        },
        "turns": [
            {"index": turn.index, "speaker": turn.speaker, "text": turn.text} for turn in page.turns
        ],
        "responses": responses,
        "rubric": page.rubric,
        "principles": page.pair_rubric,
        "review": page.review,
        "judgment": judgment,
    }


def _own_work_response(*, assignment: Assignment) -> Response:
    """The caller's slot and their review or judgment as saved, in a fixed number of queries."""
    assignment.refresh_from_db(fields=["status", "reserved_until", "submitted_at"])
    review = (
        Review.objects.filter(assignment=assignment)
        .select_related("reviewer", "rubric")
        .prefetch_related("scores__criterion")
        .first()
    )
    judgment = PairwiseJudgment.objects.filter(assignment=assignment).first()
    payload = {
        "item": assignment.item,
        "assignment": assignment,
        "review": review,
        "judgment": (
            JudgmentDraftSerializer.from_judgment(judgment, swapped=assignment.swapped)
            if judgment is not None
            else None
        ),
    }
    return Response(OwnWorkSerializer(payload).data)


def _work_response(*, assignment: Assignment, user: Any, code: int = 200) -> Response:
    return Response(
        WorkSerializer(work_payload(assignment=assignment, user=user)).data, status=code
    )


def _own_assignment(request: AuthedRequest, slug: str, item_id: int) -> Assignment:
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=REVIEWERS)
    return assignment_for_reviewer(project=project, item_id=item_id, user=request.user)


class ReviewNextApi(APIView):
    """Your current item in the project, or the next one reserved for you."""

    @extend_schema(
        request=None,
        responses={
            200: WorkSerializer,
            204: OpenApiResponse(description="Nothing left for you to review in this project."),
        },
    )
    def post(self, request: AuthedRequest, slug: str) -> Response:
        project, _membership = project_get_for_user(slug=slug, user=request.user, roles=REVIEWERS)
        assignment = assignment_next(project=project, reviewer=request.user)
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return _work_response(assignment=assignment, user=request.user)


class ReviewItemApi(APIView):
    """An item you hold a slot on: the conversation or pair, the rubric, and your own work."""

    @extend_schema(responses=WorkSerializer)
    def get(self, request: AuthedRequest, slug: str, item_id: int) -> Response:
        assignment = _own_assignment(request, slug, item_id)
        return _work_response(assignment=assignment, user=request.user)


class ReviewDraftApi(APIView):
    """Save your work so far. Partial scores are fine; what is given must still be valid."""

    @extend_schema(
        request=WORK_INPUT, responses={200: OwnWorkSerializer, 400: PROBLEMS, 409: CONFLICT}
    )
    def put(self, request: AuthedRequest, slug: str, item_id: int) -> Response:
        assignment = _own_assignment(request, slug, item_id)
        try:
            if assignment.item.kind == Item.Kind.PAIR:
                pair = JudgmentInSerializer(data=request.data)
                if not pair.is_valid():
                    return _invalid(pair)
                judgment_draft_save(
                    assignment=assignment, data=pair.to_input(swapped=assignment.swapped)
                )
            else:
                scoring = ReviewInSerializer(data=request.data)
                if not scoring.is_valid():
                    return _invalid(scoring)
                review_draft_save(assignment=assignment, data=scoring.to_input())
        except ReviewError as exc:
            return _refused(exc)
        return _own_work_response(assignment=assignment)


class ReviewSubmitApi(APIView):
    """Submit your review or judgment. Submitting again changes it: give a ``reason``; the
    earlier version is kept."""

    @extend_schema(
        request=WORK_INPUT, responses={200: OwnWorkSerializer, 400: PROBLEMS, 409: CONFLICT}
    )
    def post(self, request: AuthedRequest, slug: str, item_id: int) -> Response:
        assignment = _own_assignment(request, slug, item_id)
        user = request.user
        try:
            if assignment.item.kind == Item.Kind.PAIR:
                pair = JudgmentInSerializer(data=request.data)
                if not pair.is_valid():
                    return _invalid(pair)
                data = pair.to_input(swapped=assignment.swapped)
                judgment = PairwiseJudgment.objects.filter(assignment=assignment).first()
                if judgment is not None and judgment.status == PairwiseJudgment.Status.SUBMITTED:
                    judgment_edit(
                        judgment=judgment,
                        data=data,
                        reason=pair.validated_data["reason"],
                        user=user,
                    )
                else:
                    judgment_submit(assignment=assignment, data=data)
            else:
                scoring = ReviewInSerializer(data=request.data)
                if not scoring.is_valid():
                    return _invalid(scoring)
                review = Review.objects.filter(assignment=assignment).first()
                if review is not None and review.status == Review.Status.SUBMITTED:
                    review_edit(
                        review=review,
                        data=scoring.to_input(),
                        reason=scoring.validated_data["reason"],
                        user=user,
                    )
                else:
                    review_submit(assignment=assignment, data=scoring.to_input())
        except ReviewError as exc:
            return _refused(exc)
        return _own_work_response(assignment=assignment)


class ReviewSkipApi(APIView):
    """Give the item back with a reason; another reviewer takes the slot."""

    @extend_schema(
        request=SkipInSerializer,
        responses={204: OpenApiResponse(description="Skipped."), 400: PROBLEMS, 409: CONFLICT},
    )
    def post(self, request: AuthedRequest, slug: str, item_id: int) -> Response:
        assignment = _own_assignment(request, slug, item_id)
        body = SkipInSerializer(data=request.data)
        if not body.is_valid():
            return _invalid(body)
        reason = body.validated_data["reason"].strip()
        if not reason:
            return _problems(
                _("Nothing was saved."), {"reason": _("Please say why you skip this item.")}
            )
        assignment_skip(assignment=assignment, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewItemReviewsApi(APIView):
    """The reviews and judgments of an item that you may see.

    A reviewer sees their own; the others' only after submitting their own, and only where the
    project reveals them. A lead sees every submitted one.
    """

    @extend_schema(responses=VisibleWorkSerializer)
    def get(self, request: AuthedRequest, slug: str, item_id: int) -> Response:
        project, _membership = project_get_for_user(
            slug=slug, user=request.user, roles=[Role.REVIEWER, Role.LEAD]
        )
        item, _role = item_get_for_user(item_id=item_id, user=request.user)
        if item.project_id != project.pk:
            raise Http404
        reviews = (
            reviews_visible_to(item=item, user=request.user)
            .select_related("reviewer", "rubric")
            .prefetch_related("scores__criterion")
            .order_by("submitted_at", "pk")
        )
        judgments = (
            judgments_visible_to(item=item, user=request.user)
            .select_related("reviewer")
            .order_by("submitted_at", "pk")
        )
        payload = {"item": item, "reviews": list(reviews), "judgments": list(judgments)}
        return Response(VisibleWorkSerializer(payload).data)


class ReviewStatusApi(APIView):
    """Where the project's review stands (leads): items per status, each reviewer's progress,
    and the items that need adjudication, worst disagreement first."""

    @extend_schema(responses=ProjectStatusSerializer)
    def get(self, request: AuthedRequest, slug: str) -> Response:
        project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
        return Response(ProjectStatusSerializer(project_review_status(project=project)).data)


__all__ = [
    "ReviewDraftApi",
    "ReviewItemApi",
    "ReviewItemReviewsApi",
    "ReviewNextApi",
    "ReviewSkipApi",
    "ReviewStatusApi",
    "ReviewSubmitApi",
]
