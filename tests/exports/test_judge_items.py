"""Judge-accepted items in an export: which items the judge may label, how they are marked,
and what the manifest, the card, the version page, the API and the command say about them."""

import hashlib
import io
import json
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from dialogues.models import Flag
from exports.models import ExportSpecification
from exports.services.curation import CurationRules, CurationStats
from exports.services.judge_items import judge_accepted_items, judge_source_for
from review.judges.prompts import template_load
from review.models import (
    Item,
    JudgeConfig,
    JudgeItemSignal,
    JudgeResult,
    JudgeRun,
    ReviewSettings,
)
from review.selectors.access import review_settings_for
from tests.conftest import client_for
from tests.dialogues.factories import FlagFactory, SessionFactory
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import MembershipFactory, ProjectFactory, member
from tests.review.factories import PairItemFactory, SessionItemFactory

TURNS = [
    ("client", "I have not slept properly since the move."),
    ("counselor", "That sounds exhausting. What keeps you awake?"),
]


@pytest.fixture
def project(db):
    project = ProjectFactory(slug="clinic")
    rubric = published_rubric()
    rubric.cutoff = Decimal(4)
    rubric.save()
    review_settings_for(project=project)
    # No control slice unless a test asks for one: a random draw would make tests flaky.
    ReviewSettings.objects.filter(project=project).update(
        rubric=rubric, triage_control_share=Decimal(0)
    )
    return project


def _rubric(project):
    review_settings_for(project=project)
    return ReviewSettings.objects.get(project=project).rubric


def _judge(project, *, name="judge", model="m-1", examples=()):
    config = JudgeConfig.objects.create(
        project=project,
        name=name,
        base_url="http://127.0.0.1:9/v1",
        model=model,
        api_key_name="",
        few_shot=len(examples),
    )
    run = JudgeRun.objects.create(
        config=config,
        status=JudgeRun.Status.SUCCEEDED,
        rubric=_rubric(project),
        examples=list(examples),
    )
    return config, run


def _finish(run):
    JudgeRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    run.refresh_from_db()


def _answer(run, item, *, order="", scores=None, choice="", status="ok", fingerprint=None):
    config = run.config
    return JudgeResult.objects.create(
        config=config,
        run=run,
        item=item,
        order=order,
        fingerprint=hashlib.sha256(f"{item.pk}:{order}:{status}".encode()).hexdigest(),
        settings_fingerprint=fingerprint or config.settings().fingerprint(),
        prompt_version=config.prompt_version,
        prompt_hash="p" * 64,
        status=status,
        scores=scores or {},
        choice=choice,
        rubric=run.rubric if order == "" else None,
    )


def _scored(run, item, *, scores=None, verdict="pass", uncertainty=0.0, unparsable=0, **kw):
    scores = scores or {"empathy": 3, "structure": 2}
    _answer(run, item, scores=scores, **kw)
    if unparsable:
        _answer(run, item, status="unparsable")
    JudgeItemSignal.objects.create(
        run=run,
        item=item,
        verdict=verdict,
        score=0.6,
        spread=0,
        n_ok=1,
        n_unparsable=unparsable,
        uncertainty=uncertainty,
    )


def _pending(project, **kwargs):
    session = SessionFactory(project=project, turns=TURNS, **kwargs)
    return SessionItemFactory(project=project, session=session)


def _spec(project, config, **kwargs):
    return ExportSpecificationFactory(projects=[project], judge=config, **kwargs)


def _curate(specification):
    stats = CurationStats()
    rules = CurationRules.of(specification)
    items = list(judge_accepted_items(specification=specification, rules=rules, stats=stats))
    return items, stats


def test_a_confident_passing_judge_item_is_exported_marked_as_the_judges(project):
    config, run = _judge(project)
    accepted = _pending(project)
    _scored(run, accepted, scores={"empathy": 3, "structure": 2})
    _finish(run)

    items, stats = _curate(_spec(project, config))

    assert [i.item_id for i in items] == [f"item-{accepted.pk}"]
    assert items[0].label_source == "judge"
    assert items[0].reviewers == ()
    assert items[0].scores == {"empathy": 3.0, "structure": 2.0}
    assert items[0].rubric_version == str(_rubric(project))
    assert stats.sources["judge"] == 1


@pytest.mark.parametrize(
    "case",
    [
        "open crisis flag",
        "cleared crisis flag",
        "unparsable answer",
        "too uncertain",
        "judges disagree",
        "control slice",
        "reviewed by a human",
        "verdict fail",
        "older configuration",
        "not judged",
        "gold",
    ],
)
def test_the_judge_never_labels(project, case):
    config, run = _judge(project)
    item = _pending(project)
    answer = {}
    if case == "open crisis flag":
        FlagFactory(session=item.session, kind=Flag.Kind.CRISIS)
    elif case == "cleared crisis flag":
        FlagFactory(session=item.session, kind=Flag.Kind.CRISIS, status=Flag.Status.CLEARED)
    elif case == "unparsable answer":
        answer = {"unparsable": 1}
    elif case == "too uncertain":
        answer = {"uncertainty": 0.1}
    elif case == "control slice":
        ReviewSettings.objects.filter(project=project).update(triage_control_share=Decimal(1))
    elif case == "verdict fail":
        answer = {"verdict": "fail"}
    elif case == "older configuration":
        answer = {"fingerprint": "0" * 64}
    elif case == "gold":
        Item.objects.filter(pk=item.pk).update(is_gold=True)
    if case == "judges disagree":
        _other, other_run = _judge(project, name="second judge")
        _scored(other_run, item, verdict="fail")
        _finish(other_run)
    if case == "reviewed by a human":
        human = approved_session(
            project=project,
            rubric=_rubric(project),
            people=reviewers(1),
            scores={"empathy": [1], "structure": [1]},
            status=Item.Status.REVIEWED,
        )
        Item.objects.filter(pk=item.pk).delete()
        item = human
    if case != "not judged":
        _scored(run, item, **answer)
    _finish(run)

    items, stats = _curate(_spec(project, config))

    assert items == []
    # Gold items are never exported, and not counted as left out (as for reviewed items).
    assert sum(stats.left_out.values()) == (0 if case == "gold" else 1)
    reasons = {
        "open crisis flag": "crisis flag",
        "cleared crisis flag": "crisis flag",
        "unparsable answer": "could not be read",
        "too uncertain": "uncertainty above",
        "judges disagree": "judges disagree",
        "control slice": "control slice",
        "reviewed by a human": "reviewed by a human",
        "verdict fail": "verdict does not pass",
        "older configuration": "earlier configuration",
        "not judged": "no signal",
    }
    if case in reasons:
        assert reasons[case] in " ".join(stats.left_out)


def test_a_higher_maximum_uncertainty_lets_in_items_up_to_it(project):
    config, run = _judge(project)
    inside, outside = _pending(project), _pending(project)
    _scored(run, inside, uncertainty=0.2)
    _scored(run, outside, uncertainty=0.25)
    _finish(run)

    items, _stats = _curate(_spec(project, config, judge_max_uncertainty=Decimal("0.2")))

    assert [i.item_id for i in items] == [f"item-{inside.pk}"]


def test_the_specifications_score_rules_apply_to_the_judges_scores(project):
    config, run = _judge(project)
    low, high = _pending(project), _pending(project)
    _scored(run, low, scores={"empathy": 2, "structure": 2})
    _scored(run, high, scores={"empathy": 4, "structure": 2})
    _finish(run)

    items, stats = _curate(_spec(project, config, min_scores={"empathy": "3"}))

    assert [i.item_id for i in items] == [f"item-{high.pk}"]
    assert stats.left_out["empathy below 3"] == 1


def _pair(project):
    return PairItemFactory(project=project)


def _pair_signal(run, item, *, forward, reverse, uncertainty=0.0):
    _answer(run, item, order="ab", choice=forward)
    _answer(run, item, order="ba", choice=reverse)
    flip = forward != reverse
    JudgeItemSignal.objects.create(
        run=run,
        item=item,
        verdict="" if flip else forward,
        spread=0,
        n_ok=2,
        position_flip=flip,
        uncertainty=1.0 if flip else uncertainty,
    )


def test_dpo_takes_the_choice_both_orders_agree_on(project):
    config, run = _judge(project)
    agreed, flipped, tie = _pair(project), _pair(project), _pair(project)
    _pair_signal(run, agreed, forward="b", reverse="b")
    _pair_signal(run, flipped, forward="a", reverse="b")
    _pair_signal(run, tie, forward="tie", reverse="tie")
    _finish(run)
    specification = _spec(project, config, kind="dpo", dpo_sources=["pairwise"])
    # A flip is fully uncertain: even the loosest maximum never lets it in.
    specification.judge_max_uncertainty = Decimal("0.29")

    items, _stats = _curate(specification)
    source = judge_source_for(specification=specification, rules=CurationRules.of(specification))

    assert source.prompt_hash == (
        template_load(kind="pairwise", version="v1", language="en").template_hash
    )
    assert [i.item_id for i in items] == [f"pair-{agreed.pk}"]
    assert items[0].chosen == agreed.candidate_b.text
    assert items[0].rejected == agreed.candidate_a.text
    assert items[0].label_source == "judge"


def _versioned(project, config, build, lead, **kwargs):
    human = approved_session(
        project=project,
        rubric=_rubric(project),
        people=reviewers(1),
        scores={"empathy": [4], "structure": [4]},
        turns=[("client", "My sister stopped calling me."), ("counselor", "How was that?")],
    )
    specification = _spec(project, config, formats=["jsonl", "parquet"], **kwargs)
    return human, build(specification, lead)


@pytest.fixture
def lead(project):
    return member(project, Role.LEAD, "lead")


def test_the_manifest_names_the_judge_its_prompt_run_and_examples(project, build, lead, folder_of):
    example = approved_session(
        project=project,
        rubric=_rubric(project),
        people=reviewers(1),
        scores={"empathy": [2], "structure": [2]},
        status=Item.Status.REVIEWED,
    )
    config, run = _judge(project, model="gpt-judge", examples=[example.pk])
    accepted = _pending(project)
    _scored(run, accepted)
    _finish(run)

    human, version = _versioned(project, config, build, lead)

    assert version.status == "built", version.error
    judge = version.manifest["judge"]
    assert judge["configuration"] == {
        "id": config.pk,
        "name": "judge",
        "model": "gpt-judge",
        "project": "clinic",
    }
    assert judge["prompt_version"] == "v1"
    assert judge["prompt_hash"] == (
        template_load(kind="score", version="v1", language="en").template_hash
    )
    assert [r["id"] for r in judge["runs"]] == [run.pk]
    assert judge["runs"][0]["examples"] == [f"item-{example.pk}"]
    assert judge["examples"] == [f"item-{example.pk}"]
    assert judge["items"] == 1
    assert version.manifest["specification"]["curation"]["judge_items"]["judge"] == config.pk
    rows = [
        json.loads(line)
        for split in ("train", "validation", "test")
        if (folder_of(version) / f"provenance/{split}.jsonl").exists()
        for line in (folder_of(version) / f"provenance/{split}.jsonl").read_text().splitlines()
    ]
    sources = {row["item_id"]: row["label_source"] for row in rows}
    assert sources == {f"item-{human.pk}": "human", f"item-{accepted.pk}": "judge"}
    assert list(rows[0])[-2:] == ["label_source", "group_id"]
    parquet = pq.read_table(folder_of(version) / "provenance/train.parquet")
    assert parquet.column_names[-2:] == ["label_source", "group_id"]
    card = (folder_of(version) / "README.md").read_text()
    assert "1 of the 2 items" in card
    # The lead sees the count before approving.
    page = client_for(lead).get(reverse("exports:version_detail", args=[version.pk]))
    assert page.status_code == 200
    assert "Labelled by the LLM judge" in page.content.decode()
    assert "gpt-judge" in page.content.decode()


def test_without_the_option_nothing_of_the_judge_appears(project, build, lead, folder_of):
    _config, run = _judge(project)
    _scored(run, _pending(project))
    _finish(run)

    _human, version = _versioned(project, None, build, lead)

    assert "judge" not in version.manifest
    assert "judge_items" not in version.manifest["specification"]["curation"]
    line = (folder_of(version) / "provenance/train.jsonl").read_text().splitlines()[0]
    assert "label_source" not in json.loads(line)
    assert version.manifest["counts"]["train"]["items"] == 1


def _api_payload(**changes):
    return {
        "name": "With the judge",
        "projects": ["clinic"],
        "kind": "sft",
        "formats": ["jsonl"],
    } | changes


def test_the_api_makes_a_specification_with_judge_items(project, lead):
    config, _run = _judge(project)
    client = client_for(lead)

    made = client.post(
        "/api/export-specifications/",
        _api_payload(judge=config.pk, judge_max_uncertainty="0.1"),
        content_type="application/json",
    )

    assert made.status_code == 201, made.json()
    assert made.json()["judge"] == config.pk
    assert made.json()["judge_max_uncertainty"] == "0.10"
    specification = ExportSpecification.objects.get()
    assert specification.judge == config
    listed = client.get("/api/export-specifications/").json()
    assert listed["results"][0]["judge"] == config.pk if "results" in listed else True


def test_the_judge_must_belong_to_a_chosen_project_and_unsure_items_stay_out(project, lead):
    elsewhere = ProjectFactory(slug="elsewhere")
    MembershipFactory(project=elsewhere, user=lead, role=Role.LEAD)
    foreign, _run = _judge(elsewhere)
    client = client_for(lead)

    wrong = client.post(
        "/api/export-specifications/",
        _api_payload(judge=foreign.pk),
        content_type="application/json",
    )
    unsure = client.post(
        "/api/export-specifications/",
        _api_payload(judge=_judge(project)[0].pk, judge_max_uncertainty="0.3"),
        content_type="application/json",
    )

    assert wrong.status_code == 400
    assert "judge" in wrong.json()
    assert unsure.status_code == 400
    assert "judge_max_uncertainty" in unsure.json()


def test_a_reviewer_cannot_make_a_specification_with_a_judge(project):
    config, _run = _judge(project)
    reviewer = member(project, Role.REVIEWER, "rev")

    response = client_for(reviewer).post(
        "/api/export-specifications/",
        _api_payload(judge=config.pk),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert not ExportSpecification.objects.exists()


def test_the_page_form_offers_the_projects_judges(project, lead):
    config, _run = _judge(project)
    client = client_for(lead)

    page = client.get(reverse("exports:specification_create"))
    response = client.post(
        reverse("exports:specification_create"),
        {
            "name": "Page with judge",
            "projects": [project.pk],
            "kind": "sft",
            "min_reviewers": "1",
            "sft_mode": "session",
            "system_prompt_mode": "none",
            "tie_policy": "drop",
            "margin_threshold": "1",
            "train_ratio": "0.8",
            "validation_ratio": "0.1",
            "test_ratio": "0.1",
            "seed": "0",
            "formats": ["jsonl"],
            "judge": config.pk,
            "judge_max_uncertainty": "0",
        },
    )

    assert 'name="judge"' in page.content.decode()
    assert response.status_code == 302
    specification = ExportSpecification.objects.get()
    assert specification.judge == config
    shown = client.get(reverse("exports:specification_detail", args=[specification.pk]))
    assert "from judge (m-1), uncertainty at most 0" in shown.content.decode()


def test_the_command_exports_judge_items_when_asked(project, tmp_path):
    _config, run = _judge(project)
    accepted = _pending(project)
    _scored(run, accepted)
    _finish(run)
    out = io.StringIO()

    call_command(
        "export_build",
        "--project",
        "clinic",
        "--kind",
        "sft",
        "--out",
        str(tmp_path / "e"),
        "--judge",
        "judge",
        "--judge-max-uncertainty",
        "0.1",
        "--no-progress",
        stdout=out,
    )

    manifest = json.loads((tmp_path / "e/manifest.json").read_text())
    assert manifest["judge"]["items"] == 1
    assert manifest["specification"]["curation"]["judge_items"]["max_uncertainty"] == "0.1"
    assert "Items labelled by the judge: 1" in out.getvalue()


def test_the_schema_describes_the_judge_option(lead):
    schema = client_for(lead).get(reverse("api_schema"), {"format": "json"}).json()
    components = schema["components"]["schemas"]

    made = components["ExportSpecificationCreateRequest"]["properties"]
    listed = components["ExportSpecification"]["properties"]

    assert made["judge"]["type"] == "integer"
    assert made["judge"]["nullable"] is True
    assert "judge_max_uncertainty" in made
    assert listed["judge"]["nullable"] is True
    assert "judge_max_uncertainty" in listed


def test_an_item_a_human_approved_keeps_the_human_outcome(project, build, lead, folder_of):
    config, run = _judge(project)
    human = approved_session(
        project=project,
        rubric=_rubric(project),
        people=reviewers(1),
        scores={"empathy": [4], "structure": [4]},
    )
    # The judge would score it otherwise, and is sure of it.
    _scored(run, human, scores={"empathy": 1, "structure": 1}, verdict="fail")
    _finish(run)
    specification = _spec(project, config, formats=["jsonl"])

    version = build(specification, lead)

    assert version.status == "built", version.error
    rows = [
        json.loads(line)
        for split in ("train", "validation", "test")
        if (folder_of(version) / f"provenance/{split}.jsonl").exists()
        for line in (folder_of(version) / f"provenance/{split}.jsonl").read_text().splitlines()
    ]
    assert [(row["item_id"], row["label_source"]) for row in rows] == [
        (f"item-{human.pk}", "human")
    ]
    assert {s["name"]: s["value"] for s in rows[0]["scores"]} == {"empathy": 4.0, "structure": 4.0}
    assert len(rows[0]["reviewers"]) == 1
    assert version.manifest["judge"]["items"] == 0
