"""The agreement a DPO export records is that of the rubric its rows came from."""

import pytest

from core.models import Role
from exports.models import ExportVersion
from review.models import PairwiseJudgment, ReviewSettings
from tests.exports.records import (
    ExportSpecificationFactory,
    approved_pair,
    approved_session,
    published_rubric,
    reviewers,
)
from tests.factories import ProjectFactory, member


@pytest.fixture
def project(db):
    return ProjectFactory(slug="clinic")


@pytest.fixture
def lead(project):
    return member(project, Role.LEAD, "lead")


def _pairs_and_sessions(project):
    session_rubric = published_rubric(codes=("empathy", "structure"))
    principles = published_rubric(codes=("validation", "safety"))
    ReviewSettings.objects.update_or_create(
        project=project, defaults={"rubric": session_rubric, "pair_rubric": principles}
    )
    people = reviewers(2)
    for n in range(12):
        first, second = ("a", "a") if n % 3 else ("a", "b")
        item = approved_pair(
            project=project, people=people, choices=[first, second], prompt=f"Worry number {n}."
        )
        for judgment, choice in zip(
            PairwiseJudgment.objects.filter(item=item).order_by("pk"), (first, second), strict=True
        ):
            judgment.principle_choices = {"validation": choice, "safety": "a"}
            judgment.save(update_fields=["principle_choices"])
    for n in range(4):
        approved_session(
            project=project,
            rubric=session_rubric,
            people=people,
            scores={"empathy": [3, 3 + n % 2], "structure": [2, 2]},
        )
    return session_rubric, principles


def test_a_pairwise_dpo_export_records_the_principles_agreement(project, lead, build, folder_of):
    _session_rubric, principles = _pairs_and_sessions(project)
    specification = ExportSpecificationFactory(
        projects=[project], kind="dpo", dpo_sources=["pairwise"]
    )

    version = build(specification, lead)

    assert version.status == ExportVersion.Status.BUILT, version.error
    agreement = version.manifest["agreement"]
    assert sorted(agreement) == ["choice", "safety", "validation"]
    (validation,) = agreement["validation"]
    assert validation["rubric"] == str(principles)
    assert validation["alpha"] is not None
    (safety,) = agreement["safety"]
    assert safety["alpha"] is None  # every reviewer chose "a": no variation
    card = (folder_of(version) / "README.md").read_text("utf-8")
    assert "## Agreement" in card
    assert "validation" in card
    assert "empathy" not in card


def test_a_dpo_export_from_pairs_and_rewrites_records_both_rubrics(project, lead, build):
    session_rubric, principles = _pairs_and_sessions(project)
    specification = ExportSpecificationFactory(
        projects=[project], kind="dpo", dpo_sources=["pairwise", "rewrites"]
    )

    from exports.services.agreement import specification_agreement

    entries = specification_agreement(
        projects=[project],
        bars={},
        all_criteria=True,
        kind=specification.kind,
        dpo_sources=specification.dpo_sources,
    )

    by_rubric = {(entry.code, entry.rubric) for entry in entries}
    assert ("empathy", str(session_rubric)) in by_rubric
    assert ("validation", str(principles)) in by_rubric
