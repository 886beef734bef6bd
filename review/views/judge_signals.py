"""A judge run's signals per item: a lead's page (reviewers never reach it; blind review)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.http import AuthedHttpRequest
from core.models import Role
from core.selectors import project_get_for_user
from review.models import JudgeRun
from review.selectors.access import user_sees_judges
from review.selectors.judge_signals import judge_run_signals

SHOWN = 500


@require_GET
def judge_run_signals_page(request: AuthedHttpRequest, slug: str, run_id: int) -> HttpResponse:
    project, _membership = project_get_for_user(slug=slug, user=request.user, roles=[Role.LEAD])
    if not user_sees_judges(project=project, user=request.user):
        raise PermissionDenied
    run = get_object_or_404(
        JudgeRun.objects.select_related("config"), pk=run_id, config__project=project
    )
    rows = judge_run_signals(run=run, limit=SHOWN)
    return render(
        request,
        "review/agreement/judge_signals.html",
        {
            "project": project,
            "run": run,
            "config": run.config,
            "rows": rows,
            "total": run.signals.count(),
            "shown": SHOWN,
            "flips": run.signals.filter(position_flip=True).count(),
            "unparsable": run.signals.filter(n_unparsable__gt=0).count(),
        },
    )
