"""Views of the review app: the reviewer part.

The reviewer's start page, their next item, and the pages where they score a session, compare
two responses and rewrite counselor turns. Every view reaches its data through
``core.selectors.project_get_for_user`` (404 for outsiders, 403 for other roles) and the
reviewer's own slot; other people's scores come only through ``review.selectors.access``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.http import AuthedHttpRequest
from core.markdown import guidelines_render
from core.models import Project, Role
from core.selectors import project_get_for_user
from review.models import (
    Assignment,
    Item,
)
from review.selectors.reviewer import (
    assignment_for_reviewer,
    item_page_data,
    reviewer_assignments,
    reviewer_home_cards,
    reviewer_progress,
    reviewer_slot,
    scoring_review,
)
from review.services.assignment import AssignmentError, assignment_next, assignment_skip
from review.services.pairwise import (
    judgment_draft_save,
    judgment_edit,
    judgment_input_from_form,
    judgment_submit,
)
from review.services.projects import project_create_allowed
from review.services.reviewing import (
    ReviewError,
    review_draft_save,
    review_edit,
    review_input_from_form,
    review_submit,
)
from review.services.rewrites import rewrite_create, rewrite_finish
from review.views.reviewer_render import item_render, session_render

REVIEWER = [Role.REVIEWER]


def _slot(request: AuthedHttpRequest, slug: str, item_id: int) -> tuple[Project, Assignment]:
    assignment = reviewer_slot(slug=slug, item_id=item_id, user=request.user)
    if assignment is None:
        # Not the caller's slot, or not a reviewer there: the usual checks say which (404 for
        # outsiders and for slots that are not theirs, 403 for other roles).
        project, _membership = project_get_for_user(slug=slug, user=request.user, roles=REVIEWER)
        assignment = assignment_for_reviewer(project=project, item_id=item_id, user=request.user)
    return assignment.item.project, assignment


def _item_url(assignment: Assignment) -> str:
    return reverse(
        "review:item",
        kwargs={"slug": assignment.item.project.slug, "item_id": assignment.item_id},
    )


@require_GET
def home(request: AuthedHttpRequest) -> HttpResponse:
    cards = [
        (card, guidelines_render(text=card.settings.guidelines))
        for card in reviewer_home_cards(user=request.user)
    ]
    return render(
        request,
        "review/reviewer/home.html",
        {"cards": cards, "can_create_project": project_create_allowed(user=request.user)},
    )


@require_GET
def my_work(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=REVIEWER)
    return render(
        request,
        "review/reviewer/my_work.html",
        {
            "project": project,
            "assignments": reviewer_assignments(project=project, reviewer=request.user),
            "mine": reviewer_progress(project=project, reviewer=request.user),
        },
    )


@require_POST
def item_next(request: AuthedHttpRequest, slug: str) -> HttpResponse:
    # The queue and the item's status both read the project's review settings.
    project, _membership = project_get_for_user(
        slug=slug, user=request.user, roles=REVIEWER, related=("review_settings",)
    )
    assignment = assignment_next(project=project, reviewer=request.user)
    if assignment is None:
        messages.info(
            request, _("Nothing is waiting for you in %(project)s.") % {"project": project.name}
        )
        return redirect("review:home")
    return redirect(_item_url(assignment))


def _failed_key(assignment: Assignment) -> str:
    return f"review-failed-{assignment.pk}"


def _failed(
    request: AuthedHttpRequest, assignment: Assignment, errors: dict[str, str]
) -> HttpResponse:
    """Keep what the reviewer sent and why it was refused, and go back to the item's own page
    (POST/redirect/GET): a reload then asks nothing again, and the address stays the item's."""
    post = {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}
    request.session[_failed_key(assignment)] = {"post": post, "errors": errors}
    return redirect(_item_url(assignment))


@require_GET
def item_page(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    _project, assignment = _slot(request, slug, item_id)
    page = item_page_data(assignment=assignment, user=request.user, role=Role.REVIEWER)
    failed = request.session.pop(_failed_key(assignment), None)
    if not failed:
        return item_render(request, page)
    post = QueryDict(mutable=True)
    for key, values in failed["post"].items():
        post.setlist(key, values)
    errors = failed["errors"]
    reason = post.get("reason", "")
    if assignment.item.kind == Item.Kind.PAIR:
        pair_data = judgment_input_from_form(data=post, assignment=assignment)
        return item_render(request, page, data=pair_data, errors=errors, reason=reason)
    if page.rubric is None:
        return item_render(request, page, errors=errors)
    data = review_input_from_form(data=post, rubric=page.rubric)
    return item_render(request, page, data=data, errors=errors, reason=reason)


def _draft_status(
    request: AuthedHttpRequest, *, errors: dict[str, str], status: int
) -> HttpResponse:
    return render(
        request,
        "review/reviewer/_save_status.html",
        {"draft_errors": errors, "saved": not errors},
        status=status,
    )


@require_POST
def item_draft(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Save the draft as the reviewer works (static/js/autosave.js); answers the save-status
    line, or without the script goes back to the page with a message."""
    _project, assignment = _slot(request, slug, item_id)
    try:
        if assignment.item.kind == Item.Kind.PAIR:
            judgment_draft_save(
                assignment=assignment,
                data=judgment_input_from_form(data=request.POST, assignment=assignment),
            )
        else:
            review, rubric = scoring_review(assignment=assignment)
            if rubric is None:
                raise ReviewError({"__all__": _("This item has nothing to score.")})
            review_draft_save(
                assignment=assignment,
                data=review_input_from_form(data=request.POST, rubric=rubric),
                existing=review,
            )
    except AssignmentError as exc:
        errors = {"__all__": str(exc)}
    except ReviewError as exc:
        errors = exc.problems
    else:
        errors = {}
    if (
        request.headers.get("HX-Request") == "true"
        or request.headers.get("X-Requested-With") == "fetch"
    ):
        # The page's autosave shows this line. A refusal is 422, so that the script tells it
        # from a failure worth retrying (a network error, a 502 from a proxy, a 5xx).
        return _draft_status(request, errors=errors, status=422 if errors else 200)
    if errors:
        messages.error(
            request,
            _("The draft was not saved: %(problems)s") % {"problems": "; ".join(errors.values())},
        )
    else:
        messages.success(request, _("Draft saved."))
    return redirect(_item_url(assignment))


def _keep_draft(save: Callable[[], object]) -> None:
    """Keep a refused submission as the draft, so that nothing typed is lost even when the
    reviewer leaves the page; a draft that cannot be saved either changes nothing."""
    with contextlib.suppress(ReviewError, AssignmentError):
        save()


@require_POST
def item_submit(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    _project, assignment = _slot(request, slug, item_id)
    # The whole page is read only when it has to be shown again with the problems.
    try:
        if assignment.item.kind == Item.Kind.PAIR:
            pair_data = judgment_input_from_form(data=request.POST, assignment=assignment)
            try:
                judgment_submit(assignment=assignment, data=pair_data)
            except ReviewError as exc:
                _keep_draft(lambda: judgment_draft_save(assignment=assignment, data=pair_data))
                return _failed(request, assignment, exc.problems)
        else:
            review, rubric = scoring_review(assignment=assignment)
            if rubric is None:
                return _failed(
                    request, assignment, {"__all__": _("This item has nothing to score.")}
                )
            data = review_input_from_form(data=request.POST, rubric=rubric)
            try:
                review_submit(assignment=assignment, data=data, existing=review)
            except ReviewError as exc:
                _keep_draft(lambda: review_draft_save(assignment=assignment, data=data))
                return _failed(request, assignment, exc.problems)
    except AssignmentError as exc:
        messages.error(request, str(exc))
        return redirect("review:home")
    messages.success(request, _("Submitted. Thank you."))
    return redirect(_item_url(assignment))


@require_POST
def item_edit(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Change a submitted review or judgment; the reason is required and kept."""
    _project, assignment = _slot(request, slug, item_id)
    page = item_page_data(assignment=assignment, user=request.user)
    reason = request.POST.get("reason", "")
    nothing = {"__all__": _("Nothing submitted yet.")}
    if assignment.item.kind == Item.Kind.PAIR:
        pair_data = judgment_input_from_form(data=request.POST, assignment=assignment)
        if page.judgment is None:
            return _failed(request, assignment, nothing)
        try:
            judgment_edit(judgment=page.judgment, data=pair_data, reason=reason, user=request.user)
        except ReviewError as exc:
            return _failed(request, assignment, exc.problems)
    else:
        if page.review is None or page.rubric is None:
            return _failed(request, assignment, nothing)
        data = review_input_from_form(data=request.POST, rubric=page.rubric)
        try:
            review_edit(review=page.review, data=data, reason=reason, user=request.user)
        except ReviewError as exc:
            return _failed(request, assignment, exc.problems)
    messages.success(request, _("Your changes are saved; the earlier version is kept."))
    return redirect(_item_url(assignment))


@require_POST
def item_skip(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    _project, assignment = _slot(request, slug, item_id)
    try:
        assignment_skip(assignment=assignment, reason=request.POST.get("reason", ""))
    except AssignmentError as exc:
        messages.error(request, str(exc))
        return redirect(_item_url(assignment))
    messages.success(request, _("Skipped; the item goes to someone else."))
    return redirect("review:home")


@require_POST
def item_rewrite(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    _project, assignment = _slot(request, slug, item_id)
    turn_raw = request.POST.get("turn", "")
    turn = int(turn_raw) if turn_raw.isdigit() else 0
    text = request.POST.get("text", "")
    rationale = request.POST.get("rationale", "")
    form: dict[str, Any] = {"turn": turn, "text": text, "rationale": rationale}
    try:
        rewrite_create(
            item=assignment.item,
            reviewer=request.user,
            turn_index=turn - 1,
            text=text,
            rationale=rationale,
        )
    except ReviewError as exc:
        page = item_page_data(assignment=assignment, user=request.user)
        form["errors"] = list(exc.problems.values())
        return session_render(request, page, rewrite_form=form)
    messages.success(request, _("Your rewrite of turn %(turn)s is saved.") % {"turn": form["turn"]})
    return redirect(f"{_item_url(assignment)}#turn-{form['turn']}")


@require_POST
def item_finish(request: AuthedHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Done with a rewrite-only item."""
    _project, assignment = _slot(request, slug, item_id)
    try:
        rewrite_finish(assignment=assignment)
    except AssignmentError as exc:
        messages.error(request, str(exc))
        return redirect(_item_url(assignment))
    messages.success(request, _("Submitted. Thank you."))
    return redirect(_item_url(assignment))
