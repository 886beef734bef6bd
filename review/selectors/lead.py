"""Reads for a project lead: sessions to add, items, the adjudication queue, progress, audit.

Callers have checked that the user leads the project (core.selectors.project_get_for_user with
roles=[lead]); everything here is scoped to that project. Reviews shown to the lead come through
review.selectors.access, like everyone else's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from core.models import AuditEvent, Membership, Project, Role
from dialogues.models import Flag, ImportBatch, Session, Turn
from review.models import (
    Adjudication,
    Assignment,
    CalibrationWaiver,
    Item,
    PairwiseJudgment,
    Review,
    ReviewRevision,
    Rewrite,
)
from review.selectors.access import judgments_visible_to, review_settings_for, reviews_visible_to
from review.selectors.item_outcome import Disagreement, item_disagreement
from review.selectors.status import ReviewCount, project_review_count


@dataclass(frozen=True)
class SessionFilter:
    source_format: str = ""
    batch_id: int | None = None
    language: str = ""
    topic: str = ""
    # "open": sessions with an open screening flag; "none": sessions without one.
    flags: str = ""


def sessions_matching(*, project: Project, session_filter: SessionFilter) -> QuerySet[Session]:
    sessions = Session.objects.filter(project=project)
    if session_filter.source_format:
        sessions = sessions.filter(source_format=session_filter.source_format)
    if session_filter.batch_id:
        sessions = sessions.filter(batch_id=session_filter.batch_id)
    if session_filter.language:
        sessions = sessions.filter(language=session_filter.language)
    if session_filter.topic:
        sessions = sessions.filter(topic__icontains=session_filter.topic)
    if session_filter.flags in ("open", "none"):
        open_flags = Exists(Flag.objects.filter(session=OuterRef("pk"), status=Flag.Status.OPEN))
        sessions = sessions.filter(open_flags if session_filter.flags == "open" else ~open_flags)
    return sessions.order_by("pk")


@dataclass(frozen=True)
class SessionFilterOptions:
    source_formats: list[str]
    batches: list[ImportBatch]
    languages: list[str]
    topics: list[str]


def session_filter_options(*, project: Project) -> SessionFilterOptions:
    sessions = Session.objects.filter(project=project)
    return SessionFilterOptions(
        source_formats=sorted(set(sessions.values_list("source_format", flat=True))),
        batches=list(ImportBatch.objects.filter(project=project).order_by("-pk")),
        languages=sorted(set(sessions.values_list("language", flat=True))),
        topics=sorted(set(sessions.exclude(topic="").values_list("topic", flat=True)))[:200],
    )


def items_for_lead(*, project: Project, status: str = "", kind: str = "") -> QuerySet[Item]:
    """The project's items with how many reviews are in, in queue order."""
    items = Item.objects.filter(project=project).select_related("session")
    if status:
        items = items.filter(status=status)
    if kind:
        items = items.filter(kind=kind)
    return items.annotate(
        submitted=Count("assignments", filter=Q(assignments__status=Assignment.Status.SUBMITTED))
    ).order_by("position", "pk")


def item_get_for_lead(*, project: Project, item_id: int) -> Item:
    item = (
        Item.objects.select_related("project", "session", "candidate_a", "candidate_b")
        .filter(project=project, pk=item_id)
        .first()
    )
    if item is None:
        raise Http404
    return item


@dataclass(frozen=True)
class QueueEntry:
    item: Item
    disagreement: Disagreement


def adjudication_queue(*, project: Project) -> list[QueueEntry]:
    """Items needing adjudication, the widest disagreement first, then in queue order.

    "Widest" compares the spread as a share of each criterion's scale, so a split met / not met
    criterion or a split pair (as far apart as reviewers can be) sorts with a 0-4 criterion
    scored 0 and 4, not below every session with a spread of 2.
    """
    items = Item.objects.filter(
        project=project, status=Item.Status.NEEDS_ADJUDICATION
    ).select_related("session")
    entries = [QueueEntry(item, item_disagreement(item=item)) for item in items]
    entries.sort(
        key=lambda entry: (
            -entry.disagreement.share,
            -entry.disagreement.spread,
            entry.item.position,
            entry.item.pk,
        )
    )
    return entries


@dataclass
class ReviewerProgress:
    membership: Membership
    submitted: int = 0
    reserved: int = 0
    skipped: int = 0
    calibration: Any = None  # CalibrationResult where the project requires calibration
    calibration_waived: bool = False  # a lead cleared them for live work without passing


@dataclass
class ProjectProgress:
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    count: ReviewCount  # the project's one count of reviews (selectors/status.py)
    reviewers: list[ReviewerProgress] = field(default_factory=list)

    @property
    def reviews_needed(self) -> int:
        return self.count.slots

    @property
    def reviews_submitted(self) -> int:
        return self.count.submitted

    @property
    def percent(self) -> int:
        return self.count.percent


def project_progress(*, project: Project) -> ProjectProgress:
    # Imported here: the calibration service imports this package's access module.
    from review.services.calibration import calibration_result

    settings = review_settings_for(project=project)
    items = Item.objects.filter(project=project)
    by_status = Counter(dict(items.values_list("status").annotate(n=Count("pk"))))
    by_kind = Counter(dict(items.values_list("kind").annotate(n=Count("pk"))))
    total = sum(by_status.values())
    counts: dict[tuple[int, str], int] = {
        (reviewer_id, status): n
        for reviewer_id, status, n in Assignment.objects.filter(item__project=project)
        .values_list("reviewer_id", "status")
        .annotate(n=Count("pk"))
    }
    # A reservation past its time holds nothing: the next taker releases it. Count live ones.
    live_reserved = dict(
        Assignment.objects.filter(
            item__project=project,
            status=Assignment.Status.RESERVED,
            reserved_until__gt=timezone.now(),
        )
        .values_list("reviewer_id")
        .annotate(n=Count("pk"))
    )
    waived = calibration_waived_ids(project=project)
    reviewers = []
    for membership in (
        Membership.objects.filter(project=project, role=Role.REVIEWER)
        .select_related("user")
        .order_by("user__username")
    ):
        uid = membership.user_id
        reviewers.append(
            ReviewerProgress(
                membership=membership,
                submitted=counts.get((uid, Assignment.Status.SUBMITTED), 0),
                reserved=live_reserved.get(uid, 0),
                skipped=counts.get((uid, Assignment.Status.SKIPPED), 0),
                calibration=calibration_result(project=project, reviewer=membership.user)
                if settings.require_calibration
                else None,
                calibration_waived=uid in waived,
            )
        )
    return ProjectProgress(
        total=total,
        by_status={status: by_status.get(status, 0) for status in Item.Status.values},
        by_kind={kind: by_kind.get(kind, 0) for kind in Item.Kind.values},
        count=project_review_count(project=project),
        reviewers=reviewers,
    )


def calibration_waived_ids(*, project: Project) -> set[int]:
    """Reviewers (user ids) whose calibration a lead cleared in this project."""
    return set(
        CalibrationWaiver.objects.filter(project=project).values_list("reviewer_id", flat=True)
    )


def reviewer_membership_get(*, project: Project, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user").filter(project=project, user_id=user_id).first()
    )
    if membership is None:
        raise Http404
    return membership


def item_turns(*, item: Item) -> list[Turn]:
    return list(Turn.objects.filter(session_id=item.session_id).order_by("index"))


@dataclass(frozen=True)
class CriterionRow:
    """One criterion across the reviews of an item, for the side-by-side table."""

    code: str
    label: str
    values: list[Any]  # one Score (or None) per review, in the reviews' order
    spread: Decimal | None


def item_reviews_for(*, item: Item, user: Any) -> list[Review]:
    """The submitted reviews of the item the user may see, with their scores."""
    return list(
        reviews_visible_to(item=item, user=user)
        .filter(status=Review.Status.SUBMITTED)
        .select_related("reviewer", "rubric")
        .prefetch_related("scores__criterion")
        .order_by("submitted_at", "pk")
    )


def item_judgments_for(*, item: Item, user: Any) -> list[PairwiseJudgment]:
    return list(
        judgments_visible_to(item=item, user=user)
        .filter(status=PairwiseJudgment.Status.SUBMITTED)
        .select_related("reviewer", "assignment")
        .order_by("submitted_at", "pk")
    )


def criterion_rows(*, reviews: list[Review], rubric: Any) -> list[CriterionRow]:
    """Each criterion of the rubric with every review's score beside it."""
    if rubric is None:
        return []
    by_review = [
        {score.criterion.code: score for score in review.scores.all()} for review in reviews
    ]
    rows = []
    for criterion in rubric.criteria.all():
        scores = [scores.get(criterion.code) for scores in by_review]
        numbers = [
            s.value
            for s in scores
            if s is not None and not s.not_applicable and s.value is not None
        ]
        rows.append(
            CriterionRow(
                code=criterion.code,
                label=criterion.label,
                values=scores,
                spread=(max(numbers) - min(numbers)) if len(numbers) > 1 else None,
            )
        )
    return rows


def item_adjudications(*, item: Item) -> QuerySet[Adjudication]:
    return item.adjudications.select_related("lead").order_by("-created_at", "-pk")


def item_audit_events(*, item: Item) -> QuerySet[AuditEvent]:
    """Events about the item and everything written on it: slots, reviews, judgments, rewrites."""
    related = {
        "review.Item": [item.pk],
        "review.Assignment": list(
            Assignment.objects.filter(item=item).values_list("pk", flat=True)
        ),
        "review.Review": list(Review.objects.filter(item=item).values_list("pk", flat=True)),
        "review.PairwiseJudgment": list(
            PairwiseJudgment.objects.filter(item=item).values_list("pk", flat=True)
        ),
        "review.Rewrite": list(Rewrite.objects.filter(item=item).values_list("pk", flat=True)),
        "review.Adjudication": list(item.adjudications.values_list("pk", flat=True)),
        "review.ReviewRevision": list(
            ReviewRevision.objects.filter(
                Q(review__item=item) | Q(judgment__item=item)
            ).values_list("pk", flat=True)
        ),
    }
    condition = Q(pk__in=[])
    for object_type, ids in related.items():
        if ids:
            condition |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    return (
        AuditEvent.objects.filter(project=item.project)
        .filter(condition)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )


def reviewer_audit_events(*, project: Project, user: Any) -> QuerySet[AuditEvent]:
    """What a person did in the project, newest first."""
    return (
        AuditEvent.objects.filter(project=project, actor=user)
        .select_related("actor")
        .order_by("-created_at", "-pk")
    )
