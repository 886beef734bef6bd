"""Long rating tables for the agreement statistics, read from the database.

Every table is a pandas DataFrame in the shape review.stats expects: one row per rating with
``item``, ``rater``, ``value`` (and ``criterion``, ``created_at`` where they apply). Items
reviewed in Rapport are named by their primary key as a string ("12"); items of an imported
spreadsheet study by "ext:" and the study's own name, so the two never collide.

Raw scores and adjudicated scores are separate tables: an adjudication is a lead's final word,
not one more independent rating, and mixing it in would inflate agreement.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import Case, Count, F, FloatField, Max, Q, QuerySet, Sum, When
from django.db.models.functions import Cast

from core.models import Membership, Project, Role
from dialogues.models import SourceRating
from review.models import (
    Adjudication,
    ExternalRating,
    JudgeConfig,
    JudgeResult,
    PairwiseJudgment,
    Review,
    Score,
)
from review.selectors.access import review_settings_for
from review.selectors.item_outcome import latest_adjudications
from rubrics.models import Criterion, Rubric

RATING_COLUMNS = ["item", "rater", "criterion", "value", "created_at"]
EXTERNAL_PREFIX = "ext:"


def projects_for_agreement(*, user: Any) -> QuerySet[Project]:
    """The projects whose agreement dashboards this user may open: those they lead."""
    if not user.is_authenticated:
        return Project.objects.none()
    led = Membership.objects.filter(user=user, role=Role.LEAD).values("project_id")
    return Project.objects.filter(pk__in=led).order_by("name")


def rubrics_rated(*, project: Project) -> list[Rubric]:
    """Rubric versions with ratings in this project (reviews or imported), newest first."""
    # order_by() drops the models' default ordering, which DISTINCT would otherwise include
    # (one row per review instead of one per rubric).
    ids = set(
        Review.objects.filter(item__project=project, status=Review.Status.SUBMITTED)
        .order_by()
        .values_list("rubric_id", flat=True)
        .distinct()
    )
    ids |= set(
        ExternalRating.objects.filter(project=project)
        .order_by()
        .values_list("rubric_id", flat=True)
        .distinct()
    )
    settings = review_settings_for(project=project)
    if settings.rubric_id:
        ids.add(settings.rubric_id)
    return list(Rubric.objects.filter(pk__in=ids).order_by("slug", "-version"))


def rubric_for_agreement(*, project: Project, rubric: Rubric | None = None) -> Rubric | None:
    """The rubric to analyse: the one asked for, else the project's, else any rated one."""
    if rubric is not None:
        return rubric
    settings = review_settings_for(project=project)
    if settings.rubric is not None:
        return settings.rubric
    rated = rubrics_rated(project=project)
    return rated[0] if rated else None


def rubric_criteria(*, rubric: Rubric) -> list[Criterion]:
    return list(rubric.criteria.order_by("position"))


def _frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=RATING_COLUMNS)


class _FrameBuilder:
    """A ratings table built a block of rows at a time.

    A dict per rating cost about 400 bytes, several hundred MB for a project of 100,000
    items; columns of one block at a time, turned into a small frame before the next block
    is read, keep the Python objects of one block alive and let the frames share nothing.
    """

    BLOCK = 50_000

    def __init__(self) -> None:
        self._frames: list[pd.DataFrame] = []
        self._columns: dict[str, list[Any]] = {name: [] for name in RATING_COLUMNS}

    def add(self, item: str, rater: str, criterion: str, value: Any, created_at: Any) -> None:
        columns = self._columns
        columns["item"].append(item)
        columns["rater"].append(rater)
        columns["criterion"].append(criterion)
        columns["value"].append(value)
        columns["created_at"].append(created_at)
        if len(columns["item"]) >= self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        if self._columns["item"]:
            self._frames.append(pd.DataFrame(self._columns, columns=RATING_COLUMNS))
            self._columns = {name: [] for name in RATING_COLUMNS}

    def finish(self) -> pd.DataFrame:
        self._flush()
        if not self._frames:
            return pd.DataFrame(columns=RATING_COLUMNS)
        if len(self._frames) == 1:
            return self._frames[0]
        return pd.concat(self._frames, ignore_index=True)


def human_ratings(
    *,
    project: Project,
    rubric: Rubric,
    since: datetime | None = None,
    until: datetime | None = None,
) -> pd.DataFrame:
    """Submitted reviewers' raw scores and imported study ratings on this rubric version.

    A "not applicable" score, or an empty cell of an imported study, is a missing value.
    Imported items and raters are both named "ext:" plus the study's own name.
    """
    reviews = Review.objects.filter(
        item__project=project, rubric=rubric, status=Review.Status.SUBMITTED
    )
    external = ExternalRating.objects.filter(project=project, rubric=rubric)
    if since is not None:
        reviews = reviews.filter(submitted_at__gte=since)
        external = external.filter(created_at__gte=since)
    if until is not None:
        reviews = reviews.filter(submitted_at__lt=until)
        external = external.filter(created_at__lt=until)
    scores = Score.objects.filter(review__in=reviews)
    # Reviews and their scores are read apart: a score row then carries no join and no
    # timestamp, which on a large project is most of the reading time.
    item_names: dict[int, str] = {}
    by_review = {
        pk: (item_names.setdefault(item_id, str(item_id)), reviewer, submitted_at)
        for pk, item_id, reviewer, submitted_at in reviews.values_list(
            "pk", "item_id", "reviewer__username", "submitted_at"
        ).iterator(chunk_size=20_000)
    }
    del item_names
    codes = dict(rubric.criteria.values_list("pk", "code"))
    table = _FrameBuilder()
    for review_id, criterion_id, score, not_applicable in scores.values_list(
        "review_id", "criterion_id", "value", "not_applicable"
    ).iterator(chunk_size=20_000):
        item, reviewer, submitted_at = by_review[review_id]
        table.add(
            item,
            reviewer,
            codes.get(criterion_id, str(criterion_id)),
            None if not_applicable or score is None else float(score),
            submitted_at,
        )
    # Imported raters live in their own namespace, as their items do: a study's "ana" is not
    # the reviewer ana, and merging them would make one rater of two.
    for item_key, rater, code, rating, created_at in external.values_list(
        "item_key", "rater", "criterion_code", "score", "created_at"
    ).iterator(chunk_size=20_000):
        table.add(EXTERNAL_PREFIX + item_key, EXTERNAL_PREFIX + rater, code, rating, created_at)
    return table.finish()


def _submitted_scores(*, project: Project, rubric: Rubric) -> QuerySet[Score]:
    return Score.objects.filter(
        review__item__project=project,
        review__rubric=rubric,
        review__status=Review.Status.SUBMITTED,
    ).order_by()


def human_ratings_count(*, project: Project, rubric: Rubric) -> int:
    """How many ratings ``human_ratings`` would return, counted in the database."""
    external = ExternalRating.objects.filter(project=project, rubric=rubric)
    return _submitted_scores(project=project, rubric=rubric).count() + external.count()


# Rows of one criterion's ratings converted to arrays at a time: bounded memory, and no
# Python-level work per row.
RATING_BLOCK = 20_000


def criterion_values(*, project: Project, rubric: Rubric, code: str) -> pd.DataFrame:
    """One criterion's ratings as (item, rater, value, criterion), for a point estimate of
    alpha.

    The lean twin of ``human_ratings``: no timestamps (parsing them was most of the reading
    time) and ids rather than names. The database sends each rating as a float, NULL for a
    criterion marked not applicable, and each block of rows becomes an array in one numpy call
    (NULL turning into NaN), so an export of a project with hundreds of thousands of ratings
    spends a fraction of a second and a few MB on it. Reviewers are their user ids, imported
    raters their names; items of imported studies keep their prefix, so the two never meet in
    one unit.
    """
    unrated = Q(not_applicable=True) | Q(value__isnull=True)
    rows = (
        _submitted_scores(project=project, rubric=rubric)
        .filter(criterion__code=code)
        .annotate(rating=Case(When(unrated, then=None), default=Cast("value", FloatField())))
        .values_list("review__item_id", "review__reviewer_id", "rating")
    )
    sql, params = rows.query.sql_with_params()
    blocks = [np.zeros((0, 3), dtype=np.float64)]
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        while block := cursor.fetchmany(RATING_BLOCK):
            blocks.append(np.array(block, dtype=np.float64))
    # Ids are below 2**53, so they come through the floats unchanged.
    table = np.concatenate(blocks)
    frame = pd.DataFrame(
        {
            "item": table[:, 0].astype(np.int64),
            "rater": table[:, 1].astype(np.int64),
            "value": table[:, 2],
        }
    )
    external = list(
        ExternalRating.objects.filter(project=project, rubric=rubric, criterion_code=code)
        .order_by()
        .values_list("item_key", "rater", "score")
    )
    if external:
        imported = pd.DataFrame(
            {
                "item": [EXTERNAL_PREFIX + key for key, _, _ in external],
                "rater": [EXTERNAL_PREFIX + rater for _, rater, _ in external],
                "value": [float("nan") if v is None else float(v) for _, _, v in external],
            }
        )
        frame = pd.concat([frame.astype(object), imported], ignore_index=True)
        frame["value"] = frame["value"].astype("float64")
    frame["criterion"] = code
    return frame


def adjudicated_scores(*, project: Project, rubric: Rubric) -> pd.DataFrame:
    """The latest adjudication per item on this rubric: (item, criterion, value)."""
    latest = latest_adjudications(
        adjudications=Adjudication.objects.filter(item__project=project, rubric=rubric)
    )
    rows = [
        {"item": str(item_id), "criterion": code, "value": None if v is None else float(v)}
        for item_id, adjudication in latest.items()
        for code, v in adjudication.scores.items()
    ]
    return pd.DataFrame(rows, columns=["item", "criterion", "value"])


def pairwise_choices(
    *, project: Project, since: datetime | None = None, until: datetime | None = None
) -> pd.DataFrame:
    """Submitted pairwise choices (item, rater, value) plus each per-principle choice
    (criterion = the principle's code; criterion "" for the overall choice)."""
    judgments = PairwiseJudgment.objects.filter(
        item__project=project, status=PairwiseJudgment.Status.SUBMITTED
    )
    if since is not None:
        judgments = judgments.filter(submitted_at__gte=since)
    if until is not None:
        judgments = judgments.filter(submitted_at__lt=until)
    rows: list[dict[str, Any]] = []
    for item_id, reviewer, choice, principles, submitted_at in judgments.values_list(
        "item_id", "reviewer__username", "choice", "principle_choices", "submitted_at"
    ):
        base = {"item": str(item_id), "rater": reviewer, "created_at": submitted_at}
        if choice:
            rows.append({**base, "criterion": "", "value": choice})
        for code, preference in (principles or {}).items():
            if preference:
                rows.append({**base, "criterion": code, "value": preference})
    return _frame(rows)


def agreement_data_version(*, project: Project) -> str:
    """Changes whenever anything agreement reads changes; keys the cached reports."""
    reviews = Review.objects.filter(item__project=project, status=Review.Status.SUBMITTED)
    parts: list[Any] = [
        reviews.aggregate(n=Count("pk"), last=Max("updated_at")),
        PairwiseJudgment.objects.filter(item__project=project)
        .filter(Q(status=PairwiseJudgment.Status.SUBMITTED))
        .aggregate(n=Count("pk"), last=Max("updated_at")),
        Adjudication.objects.filter(item__project=project).aggregate(n=Count("pk"), m=Max("pk")),
        ExternalRating.objects.filter(project=project).aggregate(
            n=Count("pk"), m=Max("pk"), last=Max("updated_at")
        ),
        JudgeResult.objects.filter(config__project=project).aggregate(
            n=Count("pk"), last=Max("updated_at")
        ),
        JudgeConfig.objects.filter(project=project).aggregate(
            n=Count("pk"), last=Max("updated_at")
        ),
        # Source ratings carry no timestamp; a sum weighted by the row id changes when any
        # score changes (or two scores swap), at the cost of one aggregate.
        SourceRating.objects.filter(session__project=project).aggregate(
            n=Count("pk"), m=Max("pk"), checksum=Sum(F("score") * F("pk"))
        ),
        review_settings_for(project=project).updated_at,
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()
