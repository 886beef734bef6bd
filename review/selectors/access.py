"""Who may see which review data. Every page, fragment, API view and download goes through here.

Blind review lives in one place: :func:`reviews_visible_to` and :func:`judgments_visible_to`
decide which other people's scores a user may see for an item, and :func:`user_sees_judges`
whether judge scores are shown at all. A reviewer sees their own work always, the others' only
after submitting their own and only where the project reveals them; judge scores never reach
reviewers. Leads see everything in their projects; trainers see no reviews.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from core.models import Membership, Project, Role
from review.models import Assignment, Item, PairwiseJudgment, Review, ReviewSettings


def _role(*, project_id: int, user: Any) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(project_id=project_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def review_settings_for(*, project: Project) -> ReviewSettings:
    """The project's review settings, made on first use.

    A project read with ``select_related("review_settings")`` (the reviewer's slot is) already
    carries them, and a request reads them several times over; anything else reads them afresh.
    """
    if Project.review_settings.is_cached(project):
        cached = getattr(project, "review_settings", None)
        if cached is not None:
            return cached
    settings, _created = ReviewSettings.objects.get_or_create(project=project)
    return settings


def review_settings_of_item(*, item: Item) -> ReviewSettings:
    """``review_settings_for`` the item's project: the settings the request has read with it
    when the item carries its project, else read (or made) without reading the project."""
    if Item.project.is_cached(item):
        return review_settings_for(project=item.project)
    settings, _created = ReviewSettings.objects.get_or_create(project_id=item.project_id)
    return settings


def item_get_for_user(*, item_id: int, user: Any) -> tuple[Item, str]:
    """The item and the caller's role, or 404.

    Leads reach every item of their projects; reviewers only items they hold a slot on
    (reserved, submitted or skipped); trainers and outsiders none.
    """
    item = Item.objects.select_related("project", "session").filter(pk=item_id).first()
    if item is None:
        raise Http404
    role = _role(project_id=item.project_id, user=user)
    if role == Role.LEAD:
        return item, role
    if role == Role.REVIEWER and Assignment.objects.filter(item=item, reviewer=user).exists():
        return item, role
    raise Http404


def user_has_submitted(*, item: Item, user: Any) -> bool:
    return Assignment.objects.filter(
        item=item, reviewer=user, status=Assignment.Status.SUBMITTED
    ).exists()


def user_sees_others(*, item: Item, user: Any, role: str | None = None) -> bool:
    """May this user see other people's reviews or judgments of the item?

    ``role`` is the user's role in the item's project when the caller has just read their
    membership; without it, it is read here.
    """
    if role is None:
        role = _role(project_id=item.project_id, user=user)
    if role == Role.LEAD:
        return True
    # The setting first: it usually comes with the project already read, the slot never does.
    if role != Role.REVIEWER or not review_settings_for(project=item.project).reveal_after_submit:
        return False
    return user_has_submitted(item=item, user=user)


def reviews_visible_to(*, item: Item, user: Any) -> QuerySet[Review]:
    """The item's reviews this user may see: their own, and the others' when allowed."""
    reviews = Review.objects.filter(item=item)
    if user_sees_others(item=item, user=user):
        # Other people's drafts stay private to their authors, even from leads.
        return reviews.filter(status=Review.Status.SUBMITTED) | reviews.filter(reviewer=user)
    return reviews.filter(reviewer=user)


def other_reviews_visible_to(*, item: Item, user: Any, role: str | None = None) -> QuerySet[Review]:
    """Other people's submitted reviews of the item that this user may see (none, without a
    query, when they may see none). ``role`` as for ``user_sees_others``."""
    if not user_sees_others(item=item, user=user, role=role):
        return Review.objects.none()
    return Review.objects.filter(item=item, status=Review.Status.SUBMITTED).exclude(reviewer=user)


def other_judgments_visible_to(
    *, item: Item, user: Any, role: str | None = None
) -> QuerySet[PairwiseJudgment]:
    """``other_reviews_visible_to`` for pairwise judgments."""
    if not user_sees_others(item=item, user=user, role=role):
        return PairwiseJudgment.objects.none()
    return PairwiseJudgment.objects.filter(
        item=item, status=PairwiseJudgment.Status.SUBMITTED
    ).exclude(reviewer=user)


def judgments_visible_to(*, item: Item, user: Any) -> QuerySet[PairwiseJudgment]:
    judgments = PairwiseJudgment.objects.filter(item=item)
    if user_sees_others(item=item, user=user):
        return judgments.filter(status=PairwiseJudgment.Status.SUBMITTED) | judgments.filter(
            reviewer=user
        )
    return judgments.filter(reviewer=user)


def user_sees_judges(*, project: Project, user: Any) -> bool:
    """Judge scores (LLM judges and ratings imported with the data) are for leads only."""
    return _role(project_id=project.pk, user=user) == Role.LEAD
