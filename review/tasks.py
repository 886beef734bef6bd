"""Background jobs of the review app's agreement part: judge runs and agreement refreshes.

Each task is thin: it reads its ids from the Job and calls one service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from core.jobs import JobCancelled, JobError, JobProgress, job_task
from core.models import Job
from review.models import JudgeRun


@job_task("review.judge_run")
def judge_run_task(job: Job, progress: JobProgress) -> dict[str, Any]:
    from review.services.judging import JudgeRunError, judge_run_execute

    run = JudgeRun.objects.select_related("config__project").get(pk=job.params["run_id"])
    cancelled = False

    def report(done: int, total: int) -> None:
        nonlocal cancelled
        try:
            progress(
                done,
                total=total,
                message=_("%(done)s of %(total)s answers")
                % {
                    "done": done,
                    "total": total,
                },
            )
        except JobCancelled:
            cancelled = True

    def should_stop() -> bool:
        # Rate-limited by JobProgress, so calling it often costs nothing; it is where a cancel
        # request is seen.
        report(progress.done, progress.total or 0)
        return cancelled

    try:
        run = judge_run_execute(run=run, report=report, should_stop=should_stop)
    except JudgeRunError as exc:
        raise JobError(str(exc)) from exc
    if run.status == JudgeRun.Status.CANCELLED:
        raise JobCancelled
    return {
        _("requests"): run.n_requests,
        _("reused answers"): run.n_reused,
        _("calls sent"): run.n_called,
        _("answered"): run.n_ok,
        _("unparsable"): run.n_unparsable,
        _("refused"): run.n_refused,
        _("errors"): run.n_error,
    }


@job_task("review.agreement_refresh")
def agreement_refresh_task(job: Job, progress: JobProgress) -> dict[str, Any]:
    from review.services.agreement_cache import agreement_refresh
    from rubrics.models import Rubric

    params = job.params
    rubric = Rubric.objects.filter(pk=params.get("rubric_id")).first()
    progress(0, total=1, message=_("Computing agreement"), force=True)

    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    assert job.project is not None
    agreement_refresh(
        project=job.project,
        rubric=rubric,
        since=moment(params.get("since")),
        until=moment(params.get("until")),
    )
    progress(1, total=1, force=True)
    return {}
