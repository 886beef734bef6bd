"""A lead's view of where a project's review stands: items per status, each reviewer's
progress, and the items whose reviewers disagree beyond the project's threshold."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from core.models import Membership, Project, Role
from review.models import Assignment, Item, ReviewSettings
from review.selectors.access import review_settings_for
from review.selectors.item_outcome import item_disagreement


@dataclass(frozen=True)
class ReviewCount:
    """How far a project's reviewing is: the one count behind the lead's overview, the status
    API and the dashboard card."""

    items: int
    slots: int  # items x reviewers per item
    submitted: int  # submitted reviews, at most one per slot
    by_status: dict[str, int]

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.slots) if self.slots else 0


def project_review_count(*, project: Project) -> ReviewCount:
    """Each item's submitted reviews count at most k times (k = the overlap): reviews beyond k
    on one item (the overlap was lowered, a lead reopened it) fill no other item's slot."""
    overlap = review_settings_for(project=project).overlap
    by_status = dict(
        Item.objects.filter(project=project)
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    items = sum(by_status.values())
    submitted = Assignment.objects.filter(
        item__project=project, status=Assignment.Status.SUBMITTED
    ).count()
    beyond = (
        Item.objects.filter(project=project)
        .annotate(n=Count("assignments", filter=Q(assignments__status=Assignment.Status.SUBMITTED)))
        .filter(n__gt=overlap)
        .values_list("n", flat=True)
    )
    return ReviewCount(
        items=items,
        slots=items * overlap,
        submitted=submitted - sum(n - overlap for n in beyond),
        by_status=by_status,
    )


@dataclass(frozen=True)
class ReviewerCounts:
    reviewer: str
    submitted: int
    reserved: int
    skipped: int


@dataclass(frozen=True)
class AdjudicationNeed:
    id: int
    kind: str
    session: int
    spread: Decimal
    criteria: tuple[str, ...]
    # The spread as a share of the criterion's scale (a split pair or met / not met is 1).
    share: Decimal


@dataclass(frozen=True)
class ProjectStatus:
    project: str
    overlap: int
    due_date: datetime.date | None
    overdue: bool
    items: int
    slots: int
    submitted: int
    by_status: list[dict[str, object]]
    reviewers: list[ReviewerCounts]
    needs_adjudication: list[AdjudicationNeed]


def project_review_status(*, project: Project) -> ProjectStatus:
    """Everything in a handful of queries, plus two per item awaiting adjudication."""
    settings = review_settings_for(project=project)
    progress = project_review_count(project=project)
    counts, items = progress.by_status, progress.items
    now = timezone.now()
    per_reviewer: dict[str, dict[str, int]] = {
        row["reviewer__username"]: {key: row[key] for key in ("submitted", "reserved", "skipped")}
        for row in Assignment.objects.filter(item__project=project)
        .values("reviewer__username")
        .annotate(
            submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
            reserved=Count(
                "pk", filter=Q(status=Assignment.Status.RESERVED, reserved_until__gt=now)
            ),
            skipped=Count("pk", filter=Q(status=Assignment.Status.SKIPPED)),
        )
    }
    # Every reviewer member is listed, those who have not started too.
    names = set(per_reviewer) | set(
        Membership.objects.filter(project=project, role=Role.REVIEWER).values_list(
            "user__username", flat=True
        )
    )
    reviewers = [
        ReviewerCounts(
            reviewer=name,
            submitted=per_reviewer.get(name, {}).get("submitted", 0),
            reserved=per_reviewer.get(name, {}).get("reserved", 0),
            skipped=per_reviewer.get(name, {}).get("skipped", 0),
        )
        for name in sorted(names)
    ]
    needs = []
    for item in Item.objects.filter(project=project, status=Item.Status.NEEDS_ADJUDICATION):
        disagreement = item_disagreement(item=item)
        needs.append(
            AdjudicationNeed(
                id=item.pk,
                kind=item.kind,
                session=item.session_id,
                spread=disagreement.spread,
                criteria=disagreement.criteria,
                share=disagreement.share,
            )
        )
    needs.sort(key=lambda need: (-need.share, -need.spread, need.id))
    return ProjectStatus(
        project=project.slug,
        overlap=settings.overlap,
        due_date=settings.due_date,
        overdue=project_overdue(settings=settings, unfinished=items - counts_done(counts)),
        items=items,
        slots=progress.slots,
        submitted=progress.submitted,
        by_status=[
            {"status": status, "count": counts.get(status, 0)} for status in Item.Status.values
        ],
        reviewers=reviewers,
        needs_adjudication=needs,
    )


def counts_done(counts: dict[str, int]) -> int:
    """Items that need nothing more from reviewers or the lead."""
    return sum(counts.get(status, 0) for status in (Item.Status.APPROVED, Item.Status.REJECTED))


def project_overdue(*, settings: ReviewSettings, unfinished: int | None = None) -> bool:
    """Past its due date (in the server's time zone) with items not yet approved or rejected."""
    if settings.due_date is None or timezone.localdate() <= settings.due_date:
        return False
    if unfinished is None:
        unfinished = (
            Item.objects.filter(project_id=settings.project_id)
            .exclude(status__in=(Item.Status.APPROVED, Item.Status.REJECTED))
            .count()
        )
    return unfinished > 0
