"""Reads for the reviewer's pages: their projects, progress, and what a review page shows.

Every read here is scoped by the caller: a reviewer reaches their own assignments only, and
other people's scores come through ``review.selectors.access`` (blind review).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import Membership, Project, Role
from dialogues.models import Turn
from review.models import (
    Assignment,
    Item,
    PairwiseJudgment,
    Review,
    ReviewSettings,
    Rewrite,
    Score,
    TaskKind,
)
from review.selectors.access import (
    other_judgments_visible_to,
    other_reviews_visible_to,
    review_settings_for,
)
from review.selectors.rubric import rubric_parts_of, rubric_with_parts
from review.selectors.status import ReviewCount as ProjectProgress
from review.selectors.status import project_overdue, project_review_count
from review.services.assignment import assignment_candidates, assignment_current
from review.services.calibration import calibration_passed
from rubrics.models import Rubric


@dataclass(frozen=True)
class ReviewerProgress:
    submitted: int
    skipped: int
    reserved: int
    # Items that still want a reviewer and that this reviewer could take.
    available: int


@dataclass(frozen=True)
class ProjectCard:
    project: Project
    role: str
    settings: ReviewSettings
    progress: ProjectProgress
    mine: ReviewerProgress | None
    current: Assignment | None
    calibration: str  # "", "pending" or "passed"
    lead_url: str
    overdue: bool = False


def project_progress(*, project: Project) -> ProjectProgress:
    return project_review_count(project=project)


def reviewer_progress(*, project: Project, reviewer: Any) -> ReviewerProgress:
    now = timezone.now()
    mine = Assignment.objects.filter(item__project=project, reviewer=reviewer)
    counts = mine.aggregate(
        submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
        skipped=Count("pk", filter=Q(status=Assignment.Status.SKIPPED)),
        reserved=Count("pk", filter=Q(status=Assignment.Status.RESERVED, reserved_until__gt=now)),
    )
    available = assignment_candidates(project=project, reviewer=reviewer).count()
    return ReviewerProgress(available=available, **counts)


def _lead_url(project: Project) -> str:
    try:
        return reverse("review:lead_project", kwargs={"slug": project.slug})
    except NoReverseMatch:
        return reverse("core:project_detail", kwargs={"slug": project.slug})


def _calibration(project: Project, user: Any, settings: ReviewSettings) -> str:
    """Empty when calibration is not required, else "passed" or "pending"."""
    if not settings.require_calibration:
        return ""
    return "passed" if calibration_passed(project=project, reviewer=user) else "pending"


def reviewer_home_cards(*, user: Any) -> list[ProjectCard]:
    """The caller's review projects: as reviewer with their progress, as lead with a link."""
    memberships = (
        Membership.objects.filter(user=user, role__in=[Role.REVIEWER, Role.LEAD])
        .select_related("project")
        .order_by("project__name")
    )
    cards = []
    for membership in memberships:
        project = membership.project
        settings = review_settings_for(project=project)
        is_reviewer = membership.role == Role.REVIEWER
        cards.append(
            ProjectCard(
                project=project,
                role=membership.role,
                settings=settings,
                progress=project_progress(project=project),
                mine=reviewer_progress(project=project, reviewer=user) if is_reviewer else None,
                current=assignment_current(project=project, reviewer=user) if is_reviewer else None,
                calibration=_calibration(project, user, settings) if is_reviewer else "",
                lead_url=_lead_url(project),
                overdue=project_overdue(settings=settings),
            )
        )
    return cards


def reviewer_assignments(*, project: Project, reviewer: Any) -> QuerySet[Assignment]:
    """The reviewer's own slots in a project, newest first, for their work list."""
    return (
        Assignment.objects.filter(item__project=project, reviewer=reviewer)
        .select_related("item", "item__session")
        .order_by("-created_at", "-pk")
    )


def assignment_for_reviewer(*, project: Project, item_id: int, user: Any) -> Assignment:
    """The caller's own slot on an item of this project, or 404.

    One query: the slot must be the caller's, on an item of this project, and the caller must
    still be a reviewer or lead there (as ``item_get_for_user`` has it). The item's project
    comes with its review settings, which the rest of the request reads several times.
    """
    assignment = (
        Assignment.objects.select_related(
            "item",
            "item__project",
            "item__project__review_settings__rubric",
            "item__session",
            "reviewer",
        )
        .filter(
            item_id=item_id,
            item__project=project,
            reviewer=user,
            item__project__memberships__user=user,
            item__project__memberships__role__in=[Role.REVIEWER, Role.LEAD],
        )
        .first()
    )
    if assignment is None:
        raise Http404
    return assignment


def reviewer_slot(*, slug: str, item_id: int, user: Any) -> Assignment | None:
    """The caller's own slot on an item of the project ``slug``, where the caller is a
    reviewer; None otherwise (then ``project_get_for_user`` and ``assignment_for_reviewer``
    say why).

    One query for what the item pages read first: the membership (its role must be reviewer)
    and the slot, with its item, session, project, review settings and rubric.
    """
    assignment = (
        Assignment.objects.select_related(
            "item",
            "item__project",
            "item__project__review_settings__rubric",
            "item__session",
        )
        .filter(
            item_id=item_id,
            item__project__slug=slug,
            reviewer=user,
            item__project__memberships__user=user,
            item__project__memberships__role=Role.REVIEWER,
        )
        .first()
    )
    if assignment is not None:
        assignment.reviewer = user  # the slot is the caller's: no need to read them again
    return assignment


def scoring_review(*, assignment: Assignment) -> tuple[Review | None, Rubric | None]:
    """The reviewer's review of a session item (None before the first save) and the rubric
    version it is scored against, with its criteria; no rubric when the project does not score
    sessions (rewrite only). A started review keeps its version. One query: pass the review on
    to the service that saves it (``existing``)."""
    review = Review.objects.filter(assignment=assignment).select_related("rubric").first()
    if review is not None:
        return review, rubric_parts_of(rubric=review.rubric)
    settings = review_settings_for(project=assignment.item.project)
    if not settings.has_task(TaskKind.SCORING) or settings.rubric is None:
        return None, None
    return None, rubric_parts_of(rubric=settings.rubric)


def _scores_prefetch() -> Prefetch:
    return Prefetch(
        "scores",
        queryset=Score.objects.select_related("criterion").order_by("criterion__position"),
    )


@dataclass
class ItemPage:
    """Everything a review page shows, read in a fixed number of queries."""

    assignment: Assignment
    settings: ReviewSettings
    turns: list[Turn]
    rubric: Rubric | None = None
    review: Review | None = None
    judgment: PairwiseJudgment | None = None
    others: list[Review] = field(default_factory=list)
    other_judgments: list[PairwiseJudgment] = field(default_factory=list)
    rewrites: list[Rewrite] = field(default_factory=list)
    pair_rubric: Rubric | None = None


def item_page_data(*, assignment: Assignment, user: Any, role: str | None = None) -> ItemPage:
    """What the review page shows. ``role`` is the caller's role in the project when the
    request has read it already (``reviewer_slot``); otherwise it is read when needed."""
    item = assignment.item
    settings = review_settings_for(project=item.project)
    turns_qs = Turn.objects.filter(session_id=item.session_id).order_by("index")
    if item.kind == Item.Kind.PAIR:
        turns_qs = turns_qs.filter(index__lt=item.turn_index or 0)
    page = ItemPage(assignment=assignment, settings=settings, turns=list(turns_qs))
    if item.kind == Item.Kind.PAIR:
        page.judgment = PairwiseJudgment.objects.filter(assignment=assignment).first()
        page.pair_rubric = rubric_with_parts(rubric_id=settings.pair_rubric_id)
        page.other_judgments = list(
            other_judgments_visible_to(item=item, user=user, role=role).order_by(
                "submitted_at", "pk"
            )
        )
        return page
    page.review = (
        Review.objects.filter(assignment=assignment)
        .select_related("rubric")
        .prefetch_related(_scores_prefetch())
        .first()
    )
    rubric = page.review.rubric if page.review else settings.rubric
    if rubric is not None and (settings.has_task(TaskKind.SCORING) or page.review is not None):
        page.rubric = rubric_parts_of(rubric=rubric)
    page.others = list(
        other_reviews_visible_to(item=item, user=user, role=role)
        .prefetch_related(_scores_prefetch())
        .order_by("submitted_at", "pk")
    )
    page.rewrites = list(
        Rewrite.objects.filter(item=item, reviewer=user)
        .select_related("rewrite")
        .order_by("turn_index", "pk")
    )
    return page
