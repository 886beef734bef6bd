"""Demo step: approved items to export, an SFT and a DPO specification, one version approved
and waiting for the demo trainer, one built and waiting for the lead's approval.

When the review demo has already approved items in the demo project these are exported as they
are; otherwise this step adds a few reviewed and approved sessions and pairs of its own (through
the review models), so ``export_build`` gives non-empty SFT and DPO exports either way.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.demo import DemoContext
from dialogues.models import Candidate, ImportBatch, Session, Turn
from dialogues.services.search import search_documents_build
from exports.models import ExportSpecification, ExportVersion
from exports.services.building import export_version_approve, export_version_build
from exports.services.curation import curated_items
from exports.services.curation_rules import CurationRules, CurationStats
from review.models import Assignment, Item, PairwiseJudgment, Review, Rewrite, Score
from rubrics.models import Rubric

BATCH_NAME = "exports-demo.jsonl"

SESSIONS = [
    [
        ("client", "I have an exam next week and I am sure I will fail it."),
        ("counselor", "That sounds frightening. What makes you so sure you will fail?"),
        ("client", "I failed a quiz last month, so I must be bad at this subject."),
        ("counselor", "One quiz went badly. What happened on the other tests this term?"),
        ("client", "Actually I passed the other two, one of them quite well."),
        ("counselor", "So the evidence is mixed. How might you describe your ability now?"),
    ],
    [
        ("client", "My friend did not answer my message, so she must be angry with me."),
        (
            "counselor",
            "You noticed the silence and concluded she is angry. What else could explain it?",
        ),
        ("client", "Maybe she is busy. She mentioned a deadline at work."),
        ("counselor", "How does your feeling change when you consider that she is busy?"),
    ],
    [
        ("client", "Since I lost my job I feel worthless, like I have nothing to offer."),
        (
            "counselor",
            "Losing a job is painful. When you say worthless, what goes through your mind?",
        ),
        ("client", "That nobody will ever hire me again."),
        (
            "counselor",
            "Let us look at that prediction together. What skills did you use in your last job?",
        ),
    ],
    [
        ("client", "我每次开会发言都很紧张，觉得同事会笑话我。"),
        ("counselor", "开会时的紧张让你很难受。你觉得同事会怎么笑话你？"),
        ("client", "他们会觉得我说的话很幼稚。"),
        ("counselor", "有没有哪次你发言后，同事的反应和你预想的不一样？"),
    ],
    [
        ("client", "I keep checking the stove before I leave, sometimes ten times."),
        ("counselor", "That sounds exhausting. What do you fear might happen if you checked once?"),
        ("client", "The house could burn down and it would be my fault."),
        ("counselor", "How likely does that feel, and how likely do you think it actually is?"),
    ],
    [
        ("client", "My partner forgot our anniversary. He clearly does not care about me."),
        (
            "counselor",
            "You felt hurt when it was forgotten. What else does he do that shows how he feels?",
        ),
        ("client", "He cooks for me most evenings and asks about my day."),
        ("counselor", "How do those everyday acts fit with the thought that he does not care?"),
    ],
]

PAIRS = [
    (
        "I cannot sleep since my father died. Every night I replay the hospital.",
        "Grief often shows up at night. Would you tell me what you see when you replay it?",
        "You should try melatonin and stop thinking about it.",
    ),
    (
        "My boss criticised my report and now I think I am going to be fired.",
        "Criticism can feel like a verdict. What exactly did your boss say about the report?",
        "Bosses criticise everyone, it is nothing.",
    ),
    (
        "I feel like everyone at the party was judging me.",
        "What did you notice at the party that made you feel judged?",
        "Just stop caring what people think.",
    ),
    (
        "我总觉得自己做什么都不够好。",
        "这种“不够好”的感觉什么时候最强烈？能举个最近的例子吗？",
        "别想太多，大家都这样。",
    ),
]


def _rubric(context: DemoContext) -> Rubric | None:
    settings = getattr(context.project, "review_settings", None)
    if settings is not None and settings.rubric is not None:
        return settings.rubric
    return (
        Rubric.objects.filter(status=Rubric.Status.PUBLISHED, scope="session")
        .prefetch_related("criteria")
        .order_by("slug", "-version")
        .first()
    )


def _session(batch: ImportBatch, number: int, turns: list[tuple[str, str]]) -> Session:
    text = "\n".join(f"{speaker}: {line}" for speaker, line in turns)
    session = Session.objects.create(
        project=batch.project,
        batch=batch,
        source_format="messages",
        source_id=f"exports-demo-{number}",
        language="zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        turn_count=len(turns),
    )
    Turn.objects.bulk_create(
        Turn(session=session, index=index, speaker=speaker, text=line)
        for index, (speaker, line) in enumerate(turns)
    )
    # Sessions made outside an import need their search document too, or the session list
    # would say that its search index is still being built.
    search_documents_build(batch_id=batch.pk)
    return session


def _submitted(item: Item, reviewer: Any) -> Assignment:
    return Assignment.objects.create(
        item=item,
        reviewer=reviewer,
        status=Assignment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


@transaction.atomic
def _approved_items(context: DemoContext, rubric: Rubric) -> int:
    """Reviewed and approved sessions and pairs, made once (the batch marks them)."""
    if ImportBatch.objects.filter(project=context.project, name=BATCH_NAME).exists():
        return 0
    batch = ImportBatch.objects.create(
        project=context.project, name=BATCH_NAME, format="messages", status="imported"
    )
    reviewers = [context.users["demo-reviewer-1"], context.users["demo-reviewer-2"]]
    criteria = list(rubric.criteria.all())
    made = 0
    for number, turns in enumerate(SESSIONS):
        session = _session(batch, number, turns)
        item = Item.objects.create(
            project=context.project,
            kind=Item.Kind.SESSION,
            session=session,
            status=Item.Status.APPROVED,
            position=10_000 + number,
        )
        for offset, reviewer in enumerate(reviewers):
            review = Review.objects.create(
                assignment=_submitted(item, reviewer),
                item=item,
                reviewer=reviewer,
                rubric=rubric,
                status=Review.Status.SUBMITTED,
                submitted_at=timezone.now(),
            )
            Score.objects.bulk_create(
                Score(
                    review=review,
                    criterion=criterion,
                    value=min(criterion.highest, criterion.lowest + 3 + (number + offset) % 2),
                )
                for criterion in criteria
            )
        if number == 0:
            original = Candidate.objects.create(
                session=session,
                turn_index=1,
                key="original-1",
                text=turns[1][1],
                origin=Candidate.Origin.ORIGINAL,
            )
            better = Candidate.objects.create(
                session=session,
                turn_index=1,
                key="rewrite-1",
                text="It makes sense to feel scared before an exam. "
                "What is going through your mind when you picture failing?",
                origin=Candidate.Origin.REWRITE,
                created_by=reviewers[0],
            )
            Rewrite.objects.create(
                item=item,
                reviewer=reviewers[0],
                turn_index=1,
                original=original,
                rewrite=better,
                rationale="Validates before exploring the prediction.",
            )
        made += 1
    for number, (speech, good, poor) in enumerate(PAIRS):
        session = _session(batch, 100 + number, [("client", speech)])
        a = Candidate.objects.create(session=session, turn_index=1, key="a", text=good)
        b = Candidate.objects.create(session=session, turn_index=1, key="b", text=poor)
        item = Item.objects.create(
            project=context.project,
            kind=Item.Kind.PAIR,
            session=session,
            turn_index=1,
            candidate_a=a,
            candidate_b=b,
            status=Item.Status.APPROVED,
            position=20_000 + number,
        )
        for reviewer in reviewers:
            PairwiseJudgment.objects.create(
                assignment=_submitted(item, reviewer),
                item=item,
                reviewer=reviewer,
                status=PairwiseJudgment.Status.SUBMITTED,
                choice="a",
                strength=PairwiseJudgment.Strength.CLEAR,
                submitted_at=timezone.now(),
            )
        made += 1
    return made


def _has_items(context: DemoContext, kind: str) -> bool:
    rules = CurationRules(project_ids=(context.project.pk,), kind=kind)
    return (
        next(iter(curated_items(rules=rules, stats=CurationStats(), salt="demo")), None) is not None
    )


def _specification(context: DemoContext, name: str, kind: str) -> ExportSpecification:
    specification = ExportSpecification.objects.filter(name=name, projects=context.project).first()
    if specification is None:
        specification = ExportSpecification.objects.create(
            name=name,
            kind=kind,
            min_reviewers=2,
            system_prompt_mode="fixed" if kind == "sft" else "none",
            system_prompt_text="You are a warm, collaborative CBT counselor."
            if kind == "sft"
            else "",
            seed=1,
            created_by=context.users["demo-lead"],
        )
        specification.projects.set([context.project])
    return specification


def _built_version(context: DemoContext, specification: ExportSpecification) -> ExportVersion:
    """Build synchronously: the demo must not wait for a worker."""
    last = specification.versions.order_by("-number").first()
    number = last.number + 1 if last else 1
    version = ExportVersion.objects.create(
        specification=specification,
        number=number,
        folder=f"demo-spec-{specification.pk}/v{number}-{timezone.now():%Y%m%d%H%M%S}",
        created_by=context.users["demo-lead"],
    )
    export_version_build(version=version)
    version.refresh_from_db()
    return version


def demo_setup(context: DemoContext) -> None:
    rubric = _rubric(context)
    if rubric is None:
        context.log("Exports: no published session rubric, so no demo exports")
        return
    made = 0
    if not (_has_items(context, "sft") and _has_items(context, "dpo")):
        made = _approved_items(context, rubric)
    sft = _specification(context, "Demo CBT sessions (SFT)", "sft")
    dpo = _specification(context, "Demo response preferences (DPO)", "dpo")
    if not sft.versions.filter(status=ExportVersion.Status.APPROVED).exists() and _has_items(
        context, "sft"
    ):
        version = _built_version(context, sft)
        export_version_approve(version=version, user=context.users["demo-lead"])
    if not dpo.versions.filter(
        status__in=[ExportVersion.Status.BUILT, ExportVersion.Status.APPROVED]
    ).exists() and _has_items(context, "dpo"):
        _built_version(context, dpo)
    approved = Item.objects.filter(project=context.project, status=Item.Status.APPROVED).count()
    added = f"{made} approved by this run" if made else "all there before this run"
    context.log(
        f"Exports: {approved} approved items to draw on ({added}); an approved SFT export waits "
        "for demo-trainer, a DPO export waits for demo-lead's approval"
    )
