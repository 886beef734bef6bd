"""The exact bytes of every file of two exports of a fixed project, from the database.

A project is generated from fixed values (English and Chinese sessions, shared personas,
near-duplicate speeches, the same source imported twice, an adjudication, flags that leave
items out, pair items with every kind of verdict, rewrites), exported as SFT per turn with the
intake system prompt and as DPO from every source, and each file's SHA-256 is compared with
the one the code of 2026-12-07 wrote. Work on the speed of exports must leave every one of
them as it is. Chunks and Parquet row groups are made small, so that the data crosses several
of each and the reading thread runs (the test commits, so curation reads ahead in a thread
as it does in a worker). Sequences restart, because ids appear in the files.

A hash changes when the files do: a change to the export format, a new pin of pyarrow (its
version is in every Parquet file) or zstandard must say so and replace the hashes below.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from core.audit import AuditAction, audit_record
from dialogues.models import Flag, SourcePreference, SourceRating
from exports.models import ExportSpecification
from exports.services.building import export_build
from review.models import (
    Adjudication,
    Assignment,
    Item,
    PairwiseJudgment,
    Review,
    Rewrite,
    Score,
)
from rubrics.models import Criterion, Rubric
from rubrics.scoring import ScoreError, rubric_score
from tests.dialogues.factories import CandidateFactory, FlagFactory, SessionFactory
from tests.exports.fixtures import filler_text, near_duplicate_families
from tests.factories import ProjectFactory, UserFactory
from tests.review.factories import (
    AssignmentFactory,
    PairItemFactory,
    PairwiseJudgmentFactory,
    ReviewFactory,
    SessionItemFactory,
)

pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

BUILT_AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [filler_text(rng.randrange(100_000)) for _ in range(count)]


def _session(project, n: int, *, turns, language="en", metadata=None, source_id=None):
    return SessionFactory(
        project=project,
        source_format="messages",
        source_id=source_id or f"src-{n}",
        content_hash=hashlib.sha256(f"pinned {n}".encode()).hexdigest(),
        language=language,
        metadata=metadata or {},
        turns=turns,
    )


def _review(item, person, rubric, scores: dict[str, float | None], flags=()) -> None:
    assignment = AssignmentFactory(item=item, reviewer=person, status=Assignment.Status.SUBMITTED)
    review = ReviewFactory(
        assignment=assignment,
        rubric=rubric,
        status=Review.Status.SUBMITTED,
        submitted_at=timezone.now(),
        flags=list(flags),
    )
    for criterion in rubric.criteria.all():
        value = scores[criterion.code]
        Score.objects.create(
            review=review,
            criterion=criterion,
            value=None if value is None else Decimal(str(value)),
            not_applicable=value is None,
        )
    try:
        review.total = rubric_score(rubric=rubric, scores=scores).total
    except ScoreError:
        review.total = None
    review.save(update_fields=["total"])


def _project():
    """The fixed project: 46 session items and 50 pair items, some of each left out."""
    project = ProjectFactory(slug="pinned", name="Pinned")
    lead = UserFactory(username="pinned-lead")
    people = [UserFactory(username=f"pinned-reviewer-{n}") for n in range(3)]
    rubric = Rubric.objects.create(
        slug="pinned", version=1, status="published", scope="session", name={"en": "Pinned"}
    )
    for position, code in enumerate(("empathy", "structure")):
        Criterion.objects.create(
            rubric=rubric,
            position=position,
            code=code,
            title={"en": code},
            scale_min=0,
            scale_max=6,
            measurement="interval",
        )
    families = near_duplicate_families()
    fillers = _texts(1, 200)
    sessions = []
    previous: list[tuple[str, str]] = []
    for n in range(46):
        language, family = families[n % len(families)]
        opening = family[(n // len(families)) % len(family)]
        metadata = {}
        if n % 4 == 0:
            metadata["thought"] = f"I am not good enough ({n % 3})"
        if n % 6 == 1:
            metadata["intake_form"] = {"age": 20 + n, "concern": "sleep"}
            metadata["cbt_technique"] = "Socratic questioning"
            metadata["cbt_plan"] = ["notice the thought", "weigh the evidence"]
        if n % 9 == 2:
            metadata["persona"] = "一位刚毕业的大学生" if language == "zh" else "a new graduate"
        turns = [("counselor", "Hello, what brings you here today?")] if n % 5 == 0 else []
        turns += [
            ("client", opening),
            ("counselor", fillers[2 * n]),
            ("client", fillers[2 * n + 1]),
            ("counselor", f"Let us look at that together ({n})."),
        ]
        if n % 7 == 3:
            turns.append(("client", "谢谢你。" if language == "zh" else "Thank you."))
        if n % 13 == 6:
            # A near-duplicate of the session before: the same turns, punctuation changed.
            turns = [(speaker, text.replace(".", "!")) for speaker, text in previous]
        previous = turns
        # Two pairs of sessions are the same source record imported twice.
        source_id = "src-twice-a" if n in (5, 17) else "src-twice-b" if n in (8, 30) else None
        session = _session(
            project,
            n,
            turns=turns,
            language="zh-hans" if language == "zh" else "en",
            metadata=metadata,
            source_id=source_id,
        )
        item = SessionItemFactory(project=project, session=session, status=Item.Status.APPROVED)
        raters = people[: 2 + n % 2]
        for index, person in enumerate(raters):
            empathy = None if (n % 11 == 4 and index == 0) else 1 + (n + index) % 5
            structure = 2 + (n * 3 + index) % 4
            flags = ["crisis"] if n == 40 and index == 1 else ["off_topic"] if n == 12 else []
            _review(item, person, rubric, {"empathy": empathy, "structure": structure}, flags)
        if n % 10 == 6:
            Adjudication.objects.create(
                item=item, rubric=rubric, scores={"empathy": 4, "structure": 3}, reason="Final"
            )
        audit_record(
            actor=lead,
            action=AuditAction.ITEM_APPROVE,
            obj=item,
            project=project,
            after={"status": "approved"},
        )
        sessions.append(item)
    FlagFactory(session=sessions[21].session, kind=Flag.Kind.PII)
    FlagFactory(session=sessions[22].session, kind=Flag.Kind.CRISIS, status=Flag.Status.CLEARED)
    for n, item in enumerate(sessions[:12]):
        original = CandidateFactory(
            session=item.session, turn_index=2, key=f"orig-{n}", origin="original", text="Relax."
        )
        better = CandidateFactory(
            session=item.session,
            turn_index=2,
            key=f"better-{n}",
            origin="rewrite",
            text=f"What goes through your mind when that happens ({n})?",
        )
        Rewrite.objects.create(
            item=item,
            reviewer=people[n % 2],
            turn_index=2,
            original=original,
            rewrite=better,
            rationale="Explores the thought",
        )
    pair_texts = _texts(2, 60)
    choices = (["a", "a"], ["b", "b", "a"], ["a", "b"], ["tie", "tie"], ["both_bad", "a"])
    for n in range(50):
        language, family = families[(n * 3) % len(families)]
        prompt = family[n % len(family)] if n % 2 else pair_texts[n]
        session = _session(
            project,
            1000 + n,
            turns=[("counselor", "Hi."), ("client", prompt)] if n % 3 else [("client", prompt)],
            language="zh-hans" if language == "zh" else "en",
            metadata={"thought": "I always fail"} if n % 8 == 0 else {},
        )
        a = CandidateFactory(
            session=session, turn_index=len(session.turns.all()), key=f"a-{n}", text=f"A {n}."
        )
        b = CandidateFactory(
            session=session, turn_index=len(session.turns.all()), key=f"b-{n}", text=f"B {n}!"
        )
        item = PairItemFactory(
            project=project,
            session=session,
            status=Item.Status.APPROVED,
            turn_index=len(session.turns.all()),
            candidate_a=a,
            candidate_b=b,
        )
        votes = choices[n % len(choices)]
        for person, choice in zip(people, votes, strict=False):
            assignment = AssignmentFactory(
                item=item, reviewer=person, status=Assignment.Status.SUBMITTED
            )
            PairwiseJudgmentFactory(
                assignment=assignment,
                choice=choice,
                status=PairwiseJudgment.Status.SUBMITTED,
                submitted_at=timezone.now(),
            )
        if n % 5 == 3:
            SourcePreference.objects.create(
                session=session, chosen=b, rejected=a, provenance="imported"
            )
        if n % 5 == 2:
            for candidate, score in ((a, 4.5), (b, 2.0)):
                SourceRating.objects.create(
                    session=session,
                    candidate=candidate,
                    criterion="empathy",
                    score=score,
                    rater="model",
                )
        if n == 7:
            Adjudication.objects.create(item=item, choice="b", reason="B is kinder")
    return project


def _digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _export(project, tmp_path: Path, **fields) -> dict[str, str]:
    specification = ExportSpecification(name="Pinned", seed=11, **fields)
    export_build(
        specification=specification,
        folder=tmp_path / fields["kind"],
        built_at=BUILT_AT,
        project_ids=[project.pk],
    )
    return _digests(tmp_path / fields["kind"])


@pytest.fixture
def small_pieces(monkeypatch, settings):
    from exports.services import curation, curation_pairs
    from exports.writers import parquet

    settings.EXPORT_PSEUDONYM_SALT = "pinned-salt"
    settings.RAPPORT_VERSION = "0.1.0"
    monkeypatch.setattr(curation, "CHUNK", 7)
    monkeypatch.setattr(curation_pairs, "CHUNK", 7)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 16)


SFT = {
    "README.md": "1bd536ac0c7bbf602f26620450a085694fc01a15cefe45c871a0ba3313a9a98c",
    "data/test.jsonl": "445fd45610a4ff0315bb8654cdb6753926e258fb0c0e5000c2db50ea21e9fbd5",
    "data/test.parquet": "44d87c2bdbe36950685190525f5971cb9d868d997ec4886912abd1f5129eb760",
    "data/train.jsonl": "37c9ef84045f782a00defbbeea056e0ab99762684548383ef8df0193b795c396",
    "data/train.parquet": "0a0b7800cbc078e0064f2c1e1328eee08b738f5d3d626b9a1c0d033ffb94da4f",
    "data/validation.jsonl": "001a2c39ec7136b616fa8d30307a7bfb4cb2f777e4488caa878b959b0e1fcdb6",
    "data/validation.parquet": "1cc282782f4cf7dfbc28df81aaf1b9410654a8986d2abf4aab523700edeb0af1",
    "manifest.json": "4adc97f4c2a550c51339f580f7d1cbc625d0736f51e35c971ce711e9ff9441f6",
    "provenance/test.jsonl": "1944f3f2c47150beb1eb25ae04b2a8b99086eb8059890802ba1175b77730cc0e",
    "provenance/test.parquet": "1e422b625e293bd0e7de949901960ffabf35674772bf10eae2d92221cab0ee87",
    "provenance/train.jsonl": "860eccfde720a57fc513726493a407053e1fae054fb4ffbaae7f3c8c20f3ac03",
    "provenance/train.parquet": "07d930ac86401f46d9d2ff523be8c1a02e1ed6816db5d8de0660d0e5d3056175",
    "provenance/validation.jsonl": (
        "09354acdd13709fd9613586e81cb2abca90080eaa18bd508ca40b2f94b05272b"
    ),
    "provenance/validation.parquet": (
        "d475a01b1a9e8049fa243068fb7e344f78713964dc73421b2e68e52ee69aaac0"
    ),
}

DPO = {
    "README.md": "6eb2391df246dc5dff0712e584960864d10a8c80590d2b552c610135e0fabd60",
    "data/test.jsonl": "ff6c99496215803c8a8dcd1becf96f3e4bc4bc5db23162605bf0104677a64fef",
    "data/test.parquet": "94e8e56eddaf40836ea2b7237f14a68dc9d8c3dc69bb06e5fcfca6d28867b155",
    "data/train.jsonl": "e8dc846ab786ea3fdbbf05d49185b91df9639453a05acb7549d170e4532973f0",
    "data/train.parquet": "61fd960c3d517fd9eae6394a5537d8fc3b529f1bf16616dc8cf4102fdebec00c",
    "data/validation.jsonl": "817bece5ed0d496bc6efa49de3a562ea4c1aebc5be27e7d7a923be632ebd6d51",
    "data/validation.parquet": "cfcf4ec7599bcb2be37657efe83da05b1a7805f5a76dc2daf5ea1d3327c17061",
    "manifest.json": "7779fbfa4816379b3b946c3cec2225d402263492a309f81f652a19c9fd2380fe",
    "provenance/test.jsonl": "0afb376cd9bbdeab3155a6e9fd3d0c15b6e75e061859da8180cf04752dc1f90a",
    "provenance/test.parquet": "4a87857792291854d356850f351d8a6306b983792ce01caef6790054f7a880a9",
    "provenance/train.jsonl": "0018dd085eda6aa1000cb03313971760202adf1a9cd7d51bb06a9913beb5153a",
    "provenance/train.parquet": "fde4c69e401511be2fe59668a6641741a72bba82ab175fb548586fb0313485a5",
    "provenance/validation.jsonl": (
        "540e7e16b463af0ce6b5cb8aa97dae4b5ae929b17ee7f885733d159be1cb9060"
    ),
    "provenance/validation.parquet": (
        "d7704695d111986114184f099b15e61bd099ec466936db1bac9606314cd19d40"
    ),
}


def test_sft_export_files_are_the_pinned_bytes(small_pieces, tmp_path):
    project = _project()

    digests = _export(
        project,
        tmp_path,
        kind="sft",
        sft_mode="turn",
        sft_start="first_client",
        system_prompt_mode="intake",
        min_reviewers=2,
        min_scores={"empathy": "2"},
        min_total=Decimal("5"),
        formats=["parquet", "jsonl"],
    )

    assert digests == SFT


def test_dpo_export_files_are_the_pinned_bytes(small_pieces, tmp_path):
    project = _project()

    digests = _export(
        project,
        tmp_path,
        kind="dpo",
        dpo_sources=["pairwise", "imported", "margins", "rewrites"],
        tie_policy="skip",
        margin_threshold=Decimal("1.5"),
        system_prompt_mode="fixed",
        system_prompt_text="You are a careful counselor.",
        formats=["jsonl", "parquet"],
    )

    assert digests == DPO
