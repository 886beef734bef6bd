"""Ratings from a spreadsheet study, so its agreement can be analysed without items in Rapport.

The file is a long CSV with a header ``item,rater,criterion,score``: one row per rating, an empty
score meaning the rater gave none. The whole file is checked first and stored in one
transaction, so a bad row stores nothing; every error names the file, line and field. Importing
a rating again (same item, rater and criterion) replaces its score.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import AuditAction, audit_record
from core.models import Project
from review.models import ExternalRating
from rubrics.models import Criterion, Rubric

COLUMNS = ("item", "rater", "criterion", "score")
MAX_ERRORS = 20


class RatingsInvalid(Exception):
    """The file cannot be imported; ``errors`` lists each problem with file, line and field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class RatingsImported:
    created: int = 0
    updated: int = 0
    items: set[str] = field(default_factory=set)
    raters: set[str] = field(default_factory=set)


def _on_scale(criterion: Criterion, value: float) -> bool:
    low, high = float(criterion.scale_min), float(criterion.scale_max)
    if criterion.scale_kind == "binary":
        low, high = 0.0, 1.0
    return low <= value <= high


def ratings_read(*, text: str, name: str, rubric: Rubric) -> list[dict[str, Any]]:
    """Check the CSV against the rubric; the rows, or RatingsInvalid with every problem."""
    criteria = {criterion.code: criterion for criterion in rubric.criteria.all()}
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [column.strip() for column in (reader.fieldnames or [])]
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise RatingsInvalid(
            [
                f"{name}, line 1: missing column(s) {', '.join(missing)}; "
                f"the header must be {','.join(COLUMNS)}"
            ]
        )
    errors: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for record in reader:
        line = reader.line_num
        row = {key.strip(): (value or "").strip() for key, value in record.items() if key}
        problems = []
        for column in ("item", "rater", "criterion"):
            if not row.get(column):
                problems.append(f"field {column}: empty")
        code = row.get("criterion", "")
        criterion = criteria.get(code)
        if code and criterion is None:
            problems.append(
                f"field criterion: {code!r} is not a criterion of {rubric} "
                f"(use one of {', '.join(sorted(criteria))})"
            )
        score: float | None = None
        raw = row.get("score", "")
        if raw:
            try:
                score = float(raw)
            except ValueError:
                problems.append(f"field score: {raw!r} is not a number")
            else:
                if not math.isfinite(score):
                    problems.append(f"field score: {raw!r} is not a number")
                elif criterion is not None and not _on_scale(criterion, score):
                    problems.append(
                        f"field score: {raw} is outside {code}'s scale "
                        f"{Decimal(criterion.scale_min).normalize()}–"
                        f"{Decimal(criterion.scale_max).normalize()}"
                    )
                elif criterion is not None and Decimal(str(score)) not in criterion.levels():
                    # A value between steps would enter alpha as a level no reviewer can give,
                    # and fall out of totals that check scores against the scale.
                    steps = ", ".join(str(level.normalize()) for level in criterion.levels())
                    problems.append(
                        f"field score: {raw} is between the steps of {code}'s scale ({steps})"
                    )
        key = (row.get("item", ""), row.get("rater", ""), code)
        if not problems and key in seen:
            problems.append(
                f"field score: a second rating of item {key[0]!r} by {key[1]!r} on {code} "
                f"(first on line {seen[key]})"
            )
        for problem in problems:
            errors.append(f"{name}, line {line}, {problem}")
        if not problems:
            seen[key] = line
            rows.append({"item": key[0], "rater": key[1], "criterion": code, "score": score})
        if len(errors) >= MAX_ERRORS:
            errors.append(f"{name}: stopped after {MAX_ERRORS} errors")
            break
    if errors:
        raise RatingsInvalid(errors)
    if not rows:
        raise RatingsInvalid([f"{name}: no ratings below the header"])
    return rows


def ratings_import(
    *, project: Project, rubric: Rubric, text: str, name: str, actor: Any = None
) -> RatingsImported:
    """Check and store a ratings CSV; all of it or, on any error, none of it."""
    if rubric.status != Rubric.Status.PUBLISHED:
        # A draft can still change, so ratings on it would silently change meaning.
        raise RatingsInvalid(
            [
                f"{name}: {rubric.slug} version {rubric.version} is a draft; ratings are "
                "imported against a published rubric version (publish it, or leave out "
                "--rubric-version to use the latest published one)"
            ]
        )
    rows = ratings_read(text=text, name=name, rubric=rubric)
    outcome = RatingsImported()
    with transaction.atomic():
        existing = {
            (r.item_key, r.rater, r.criterion_code): r
            for r in ExternalRating.objects.select_for_update().filter(
                project=project, rubric=rubric
            )
        }
        new, changed = [], []
        for row in rows:
            key = (row["item"], row["rater"], row["criterion"])
            outcome.items.add(row["item"])
            outcome.raters.add(row["rater"])
            if key in existing:
                rating = existing[key]
                if rating.score != row["score"]:
                    rating.score = row["score"]
                    # bulk_update skips auto_now; the cached reports key on this time.
                    rating.updated_at = timezone.now()
                    changed.append(rating)
                continue
            new.append(
                ExternalRating(
                    project=project,
                    rubric=rubric,
                    item_key=row["item"],
                    rater=row["rater"],
                    criterion_code=row["criterion"],
                    score=row["score"],
                )
            )
        ExternalRating.objects.bulk_create(new, batch_size=2000)
        ExternalRating.objects.bulk_update(changed, ["score", "updated_at"], batch_size=2000)
        outcome.created, outcome.updated = len(new), len(changed)
        audit_record(
            actor=actor,
            action=AuditAction.RATINGS_IMPORTED,
            project=project,
            after={
                "file": name,
                "rubric": str(rubric),
                "created": outcome.created,
                "updated": outcome.updated,
                "items": len(outcome.items),
                "raters": len(outcome.raters),
            },
        )
    return outcome
