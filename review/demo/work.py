"""Demo step: a review project that shows the whole flow.

On the demo project's own material (a small built-in set of synthetic CBT sessions and response
pairs, review/demo/sessions.yaml, in English and Chinese) it sets up CTRS scoring and
pairwise preferences with two reviewers per item, then has the demo reviewers work through part
of it with the same services the pages use:

- careful sessions reviewed by both reviewers in agreement, approved by the lead's bulk rule;
- rushed sessions reviewed low, two rejected by the lead with a reason, two awaiting a decision;
- one session whose reviewers disagree, waiting in the lead's adjudication queue;
- one session with only one review in; the rest pending for the demo reviewers to try;
- response pairs judged in agreement and approved, one split pair to adjudicate, the rest
  pending.

Idempotent: once the project has review items the step leaves it alone.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from core.demo import DemoContext
from dialogues.models import Candidate, ImportBatch, Session, SourcePreference, Turn
from review.demo.agreement import agreement_demo_setup
from review.models import Assignment, Choice, Item, TaskKind
from review.services.approval import ApprovalRule, item_reject, items_approve_by_rule
from review.services.items import items_add_pairs, items_add_sessions
from review.services.pairwise import JudgmentInput, judgment_submit
from review.services.projects import SettingsChange, review_settings_update
from review.services.reviewing import ReviewInput, ScoreInput, review_submit
from rubrics.models import Rubric
from rubrics.selectors import rubric_latest_published

DATA = Path(__file__).parent / "sessions.yaml"
BATCH_NAME = "review-demo (built in)"
SOURCE_FORMAT = "rapport-demo"

GUIDELINES = """\
## How to score

Score **what the counselor did in this session**, not what you would have done.

1. Read the whole conversation before scoring anything.
2. Score each CTRS item from 0 to 6; open an item's anchors when unsure.
3. Cite the turns that carry your judgement: with the criterion focused, click the turn in
   the conversation (or press `e` on the focused turn); click it again to remove it.
4. Flag any crisis or safety concern, even when the counselor handled it well.

## Response pairs

Choose the response a supervising clinician would rather see, and say why in one sentence.
"""

TEXT = {
    "en": {
        "careful": [
            "Thank you for telling me. {reflection} What would you like us to focus on today?",
            "That's a clear goal. Let's look at a recent moment: what went through your mind "
            "when {situation}?",
            "That thought sounds painful. What evidence do you have for it, and is there "
            "anything that doesn't fit?",
            "So there is another side to it. Before we meet next week, could you write the "
            "thought down each time it comes, with one thing that doesn't fit it? How does "
            "that sound?",
        ],
        "rushed": [
            "Okay. You need to think more positively.",
            "Just try not to think about it so much.",
            "That's not true, so don't believe it.",
        ],
    },
    "zh": {
        "careful": [
            "谢谢你告诉我这些。{reflection}今天你希望我们重点谈些什么？",
            "这个目标很清楚。我们来看最近的一个时刻：{situation}，你脑子里闪过了什么？",
            "这个念头听起来很折磨人。有什么证据支持它？又有没有和它不太相符的地方？",
            "看来事情还有另一面。下次见面之前，你愿意在这个念头每次出现时把它记下来，"
            "同时写下一件和它不相符的事吗？你觉得怎么样？",
        ],
        "rushed": [
            "好的。你要积极一点去想。",
            "尽量别老想这件事就好了。",
            "这不是真的，所以别信它。",
        ],
    },
}


def _concerns() -> dict[str, list[dict[str, str]]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {"en": data["en"], "zh": data["zh-hans"]}


def _turns(language: str, style: str, concern: dict[str, str]) -> list[tuple[str, str]]:
    lines = TEXT[language][style]
    client = [concern["opening"], concern["goal"], concern["thought"], concern["evidence"]]
    turns: list[tuple[str, str]] = []
    for index, counselor in enumerate(lines):
        turns.append(("client", client[index]))
        turns.append(("counselor", counselor.format(**concern)))
    return turns


def _session(
    batch: ImportBatch, language: str, source_id: str, topic: str, turns: list[tuple[str, str]]
) -> Session:
    content = "\n".join(f"{speaker}: {text}" for speaker, text in turns)
    digest = hashlib.sha256(f"{SOURCE_FORMAT}\n{content}".encode()).hexdigest()
    session, created = Session.objects.get_or_create(
        project=batch.project,
        content_hash=digest,
        defaults={
            "batch": batch,
            "source_format": SOURCE_FORMAT,
            "source_id": source_id,
            "language": language,
            "topic": topic,
            "turn_count": len(turns),
        },
    )
    if created:
        Turn.objects.bulk_create(
            Turn(session=session, index=index, speaker=speaker, text=text)
            for index, (speaker, text) in enumerate(turns)
        )
    return session


def _material(context: DemoContext) -> tuple[list[Session], list[Session], list[Session]]:
    """The demo sessions: careful ones, rushed ones, and one-speech contexts with replies."""
    batch, _created = ImportBatch.objects.get_or_create(
        project=context.project,
        name=BATCH_NAME,
        defaults={"format": SOURCE_FORMAT, "status": ImportBatch.Status.IMPORTED},
    )
    careful: list[Session] = []
    rushed: list[Session] = []
    pairs: list[Session] = []
    for language, concerns in _concerns().items():
        for number, concern in enumerate(concerns, start=1):
            for style, bucket in (("careful", careful), ("rushed", rushed)):
                bucket.append(
                    _session(
                        batch,
                        language,
                        f"{language}-{number:02d}-{style}",
                        concern["topic"],
                        _turns(language, style, concern),
                    )
                )
            context_session = _session(
                batch,
                language,
                f"{language}-{number:02d}-replies",
                concern["topic"],
                [("client", concern["opening"])],
            )
            replies: dict[str, Candidate] = {}
            for key in ("warm", "neutral", "dismissive"):
                replies[key], _new = Candidate.objects.get_or_create(
                    session=context_session,
                    turn_index=1,
                    key=key,
                    defaults={"text": concern[key], "model_name": "rapport-demo"},
                )
            # English contexts carry the source's own preference (as PsychoCounsel does); the
            # Chinese ones do not, so each two of their three replies make a pair.
            if language == "en":
                SourcePreference.objects.get_or_create(
                    session=context_session,
                    chosen=replies["warm"],
                    rejected=replies["dismissive"],
                    defaults={"provenance": "rapport-demo"},
                )
            pairs.append(context_session)
    batch.sessions_created = Session.objects.filter(batch=batch).count()
    batch.save(update_fields=["sessions_created"])
    return careful, rushed, pairs


def _rubrics() -> tuple[Rubric, Rubric | None]:
    rubric = rubric_latest_published(slug="ctrs")
    try:
        pair_rubric: Rubric | None = rubric_latest_published(slug="psychocounsel-pair")
    except Http404:
        pair_rubric = None
    return rubric, pair_rubric


def _slot(item: Item, reviewer: Any) -> Assignment:
    # The demo hands out the slots it wants reviewed; live reviewers get theirs from the queue.
    return Assignment.objects.create(
        item=item,
        reviewer=reviewer,
        status=Assignment.Status.RESERVED,
        reserved_until=timezone.now() + timedelta(minutes=30),
        swapped=(item.pk + reviewer.pk) % 2 == 0,
    )


def _review(item: Item, reviewer: Any, rubric: Rubric, level: int, offset: int = 0) -> None:
    """Submit a review scoring every criterion near ``level`` (shifted by ``offset`` on the
    criteria at odd positions, so two reviewers can be made to agree or disagree)."""
    scores = {}
    for position, criterion in enumerate(rubric.criteria.all()):
        levels = criterion.levels()
        index = max(0, min(len(levels) - 1, level + (offset if position % 2 else 0)))
        scores[criterion.code] = ScoreInput(
            value=levels[index],
            rationale=""
            if position
            else f"Turn 2 sets the tone; scored {levels[index].normalize():f}.",
            evidence_turns=[1] if position == 0 else [],
        )
    review_submit(
        assignment=_slot(item, reviewer),
        data=ReviewInput(scores=scores, comment="Demo review."),
    )


def _judge(item: Item, reviewer: Any, choice: str) -> None:
    judgment_submit(
        assignment=_slot(item, reviewer),
        data=JudgmentInput(
            choice=choice,
            strength=2 if choice in (Choice.A, Choice.B) else None,
            rationale="Validates the feeling before asking a question.",
        ),
    )


def _better(item: Item) -> str:
    """The reply a careful reviewer prefers: warm over neutral over dismissive."""
    rank = {"warm": 0, "neutral": 1, "dismissive": 2}
    first, second = item.candidate_a, item.candidate_b
    if first is None or second is None:
        raise ValueError(f"pair item {item.pk} lacks a candidate")
    return Choice.A if rank[first.key] < rank[second.key] else Choice.B


@transaction.atomic
def demo_setup(context: DemoContext) -> None:
    project = context.project
    if Item.objects.filter(project=project).exists():
        context.log("Review: demo review project already set up")
        agreement_demo_setup(context)
        return
    lead = context.users["demo-lead"]
    first, second = context.users["demo-reviewer-1"], context.users["demo-reviewer-2"]
    rubric, pair_rubric = _rubrics()
    review_settings_update(
        project=project,
        change=SettingsChange(
            guidelines=GUIDELINES,
            rubric=rubric,
            pair_rubric=pair_rubric,
            task_kinds=[TaskKind.SCORING, TaskKind.PAIRWISE, TaskKind.REWRITE],
            overlap=2,
            reservation_minutes=30,
            reveal_after_submit=False,
            adjudication_spread=Decimal(2),
            require_calibration=False,
            calibration_pass_share=Decimal("0.8"),
            calibration_tolerance=Decimal(1),
            due_date=None,
        ),
        actor=lead,
    )
    careful, rushed, pair_sessions = _material(context)
    ids = [s.pk for s in careful + rushed]
    items_add_sessions(project=project, sessions=Session.objects.filter(pk__in=ids), actor=lead)
    items_add_pairs(
        project=project,
        sessions=Session.objects.filter(pk__in=[s.pk for s in pair_sessions]),
        actor=lead,
    )
    by_session = {
        item.session_id: item
        for item in Item.objects.filter(project=project, kind=Item.Kind.SESSION)
    }
    for session in careful:
        item = by_session[session.pk]
        _review(item, first, rubric, level=5)
        _review(item, second, rubric, level=5, offset=-1)
    rushed_items = [by_session[session.pk] for session in rushed]
    for item in rushed_items[:4]:
        _review(item, first, rubric, level=1)
        _review(item, second, rubric, level=2)
    for item in rushed_items[:2]:
        item_reject(
            item=item,
            actor=lead,
            reason="The counselor argues with the client's thought instead of examining it.",
        )
    disputed = rushed_items[4]
    _review(disputed, first, rubric, level=4)
    _review(disputed, second, rubric, level=4, offset=-3)
    _review(rushed_items[5], first, rubric, level=2)

    pairs = list(
        Item.objects.filter(project=project, kind=Item.Kind.PAIR)
        .select_related("candidate_a", "candidate_b")
        .order_by("position", "pk")
    )
    for item in pairs[:22]:
        _judge(item, first, _better(item))
        _judge(item, second, _better(item))
    split = pairs[22]
    _judge(split, first, _better(split))
    _judge(split, second, Choice.TIE)

    approved = items_approve_by_rule(
        project=project,
        rule=ApprovalRule(min_total=Decimal(40), without_flags=True),
        actor=lead,
    )
    context.log(
        f"Review: {len(by_session)} session items and {len(pairs)} pairs, "
        f"{len(approved)} approved, 2 waiting for adjudication"
    )
    agreement_demo_setup(context)
