"""Demo step (run from review.demo): agreement and an imported judge in the demo project.

The demo's reviews already give the dashboard human agreement to show. This adds ratings "that
came with the data", as PsychoCounsel-Preference carries GPT-4o's principle ratings: on each
reviewed session a CTRS rating that is a point too generous on every other session (so the
dashboard shows a lenient judge and what it does to alpha), and on each response pair a 1-5
rating per PsychoCounsel principle for both replies. They are synthetic and say so in their
provenance. It also adds an example judge configuration for a local model, not run.

Idempotent: ratings already present for this provenance are left alone.
"""

from __future__ import annotations

from decimal import Decimal
from statistics import median

from django.db import transaction

from core.demo import DemoContext
from dialogues.models import SourceRating
from review.models import Item, JudgeConfig, Review, Score

RATER = "gpt-4o (synthetic demo ratings, PsychoCounsel style)"
PRINCIPLES = ("empathy", "relevance", "clarity", "safety", "exploration", "autonomy", "staging")
# What the demo's three reply styles earn per principle; "staging" is rated against the grain
# on neutral replies, so the imported judge is good but not perfect.
STYLE_SCORES = {"warm": 5, "neutral": 3, "dismissive": 1}


def _session_ratings(project_id: int) -> list[SourceRating]:
    ratings = []
    items = Item.objects.filter(project_id=project_id, kind=Item.Kind.SESSION).order_by("pk")
    for number, item in enumerate(items):
        scores: dict[str, list[Decimal]] = {}
        for code, value in Score.objects.filter(
            review__item=item, review__status=Review.Status.SUBMITTED, value__isnull=False
        ).values_list("criterion__code", "value"):
            if value is not None:
                scores.setdefault(code, []).append(value)
        lenient = 1 if number % 2 == 0 else 0
        for code, values in scores.items():
            ratings.append(
                SourceRating(
                    session=item.session,
                    criterion=code,
                    score=float(min(Decimal(6), median(values) + lenient)),
                    rater=RATER,
                )
            )
    return ratings


def _pair_ratings(project_id: int) -> list[SourceRating]:
    ratings = []
    items = Item.objects.filter(project_id=project_id, kind=Item.Kind.PAIR).select_related(
        "candidate_a", "candidate_b", "session"
    )
    for item in items:
        for candidate in (item.candidate_a, item.candidate_b):
            if candidate is None or candidate.key not in STYLE_SCORES:
                continue
            base = STYLE_SCORES[candidate.key]
            for principle in PRINCIPLES:
                score = base
                if principle == "staging" and candidate.key == "neutral":
                    score = 5
                ratings.append(
                    SourceRating(
                        session=item.session,
                        candidate=candidate,
                        criterion=principle.title(),
                        score=float(score),
                        rater=RATER,
                    )
                )
    return ratings


@transaction.atomic
def agreement_demo_setup(context: DemoContext) -> None:
    project = context.project
    if SourceRating.objects.filter(session__project=project, rater=RATER).exists():
        context.log("Agreement: demo judge ratings already present")
        return
    ratings = _session_ratings(project.pk) + _pair_ratings(project.pk)
    SourceRating.objects.bulk_create(ratings)
    JudgeConfig.objects.get_or_create(
        project=project,
        name="local-qwen (example)",
        defaults={
            "base_url": "http://127.0.0.1:11434/v1",
            "model": "qwen2.5:7b-instruct",
            "api_key_name": "",
            "language": "zh",
            "concurrency": 2,
        },
    )
    context.log(f"Agreement: {len(ratings)} imported judge ratings and an example judge")
