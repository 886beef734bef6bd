"""Agreement reports stored per project and filters, and computed in a job when they are large.

A report is kept under a key made of its filters and the version of the data it read
(review.selectors.agreement.agreement_data_version), so a stored report is shown only while
nothing it read has changed. Small reports are computed in the request; above INLINE_LIMIT
ratings the dashboard queues one refresh job per project.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import transaction

from core.locks import project_work_lock
from core.models import Job, Project
from review.models import AgreementSnapshot
from review.selectors.agreement import agreement_data_version, human_ratings_count
from review.services.agreement import project_agreement
from rubrics.models import Rubric

# Above this many ratings the dashboard computes in a background job instead of the request.
INLINE_LIMIT = 10_000

# Raised whenever the report gains or changes a section, so that reports stored before are
# computed again rather than shown without it (2: judges' pairwise disagreements; 3: resample
# counts, thin-data warnings, clamped bounds, imported raters' namespace, one-order pairs).
REPORT_FORMAT = 3


def agreement_cache_key(
    *, project: Project, rubric: Rubric | None, since: datetime | None, until: datetime | None
) -> str:
    material = {
        "format": REPORT_FORMAT,
        "rubric": rubric.pk if rubric else None,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "data": agreement_data_version(project=project),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def agreement_cached(
    *, project: Project, rubric: Rubric | None, since: datetime | None, until: datetime | None
) -> dict[str, Any] | None:
    """The stored report for these filters, when nothing it read has changed since."""
    key = agreement_cache_key(project=project, rubric=rubric, since=since, until=until)
    snapshot = AgreementSnapshot.objects.filter(project=project, key=key).first()
    return snapshot.data if snapshot is not None else None


def agreement_refresh(
    *,
    project: Project,
    rubric: Rubric | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Compute the report and store it under its cache key; older snapshots are dropped."""
    key = agreement_cache_key(project=project, rubric=rubric, since=since, until=until)
    data = project_agreement(project=project, rubric=rubric, since=since, until=until)
    with transaction.atomic():
        AgreementSnapshot.objects.update_or_create(
            project=project, key=key, defaults={"data": data}
        )
    return data


def agreement_refresh_job(*, project: Project) -> Job | None:
    """The project's agreement refresh that is queued or running, if there is one."""
    return (
        Job.objects.filter(project=project, kind="review.agreement_refresh")
        .exclude(status__in=Job.FINISHED)
        .first()
    )


def agreement_refresh_enqueue(
    *,
    project: Project,
    rubric: Rubric | None,
    since: datetime | None,
    until: datetime | None,
    user: Any,
) -> Job:
    """Queue a background computation of this report, or answer the one already under way
    (one refresh per project at a time: two would compute the same numbers)."""
    from core.jobs import job_enqueue
    from review.tasks import agreement_refresh_task

    with transaction.atomic():
        project_work_lock(project_id=project.pk, purpose="review.agreement_refresh")
        running = agreement_refresh_job(project=project)
        if running is not None:
            return running
        return job_enqueue(
            kind="review.agreement_refresh",
            task=agreement_refresh_task,
            params={
                "rubric_id": rubric.pk if rubric else None,
                "since": since.isoformat() if since else None,
                "until": until.isoformat() if until else None,
            },
            user=user,
            project=project,
        )


def agreement_inline(
    *, project: Project, rubric: Rubric | None, since: datetime | None, until: datetime | None
) -> dict[str, Any] | None:
    """The report if it is cached or small enough to compute now; None means it needs a
    background job (more than INLINE_LIMIT ratings)."""
    report = agreement_cached(project=project, rubric=rubric, since=since, until=until)
    if report is None and agreement_size(project=project, rubric=rubric) <= INLINE_LIMIT:
        report = agreement_refresh(project=project, rubric=rubric, since=since, until=until)
    return report


def agreement_size(*, project: Project, rubric: Rubric | None) -> int:
    """How many ratings a report reads: decides between computing now and in the background."""
    if rubric is None:
        return 0
    return human_ratings_count(project=project, rubric=rubric)
