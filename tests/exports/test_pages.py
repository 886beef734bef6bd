"""The specification form: what a lead can choose, and clear errors naming the field and line."""

import pytest
from django.urls import reverse

from core.models import AuditEvent, Role
from exports.models import ExportSpecification
from review.models import ReviewSettings
from tests.conftest import client_for
from tests.exports.records import published_rubric
from tests.factories import ProjectFactory, member


@pytest.fixture
def lead(db):
    project = ProjectFactory(slug="clinic", name="Clinic")
    other = ProjectFactory(slug="elsewhere", name="Elsewhere")
    member(other, Role.TRAINER, "lead")  # leads only clinic
    ReviewSettings.objects.update_or_create(
        project=project, defaults={"rubric": published_rubric(("empathy", "structure"))}
    )
    return member(project, Role.LEAD, "lead")


def _form(**changes):
    data = {
        "name": "Clinic sessions",
        "projects": [ProjectFactory(slug="clinic").pk],
        "kind": "sft",
        "min_reviewers": "2",
        "sft_mode": "turn",
        "system_prompt_mode": "none",
        "tie_policy": "drop",
        "margin_threshold": "1",
        "train_ratio": "0.8",
        "validation_ratio": "0.1",
        "test_ratio": "0.1",
        "seed": "3",
        "formats": ["jsonl", "parquet"],
        "min_scores_text": "empathy = 4\nstructure=3.5",
        "min_agreement_text": "empathy = 0.667",
    }
    return data | changes


def test_a_lead_saves_a_specification(lead):
    response = client_for(lead).post(reverse("exports:specification_create"), _form())

    specification = ExportSpecification.objects.get()
    assert response.status_code == 302
    assert specification.min_scores == {"empathy": "4", "structure": "3.5"}
    assert specification.min_agreement == {"empathy": "0.667"}
    assert specification.formats == ["parquet", "jsonl"]
    assert AuditEvent.objects.filter(action="exports.specification.create").count() == 1


def test_errors_name_the_field_and_the_line(lead):
    client = client_for(lead)

    bad_line = client.post(
        reverse("exports:specification_create"), _form(min_scores_text="empathy = 4\nstructure")
    )
    bad_ratios = client.post(reverse("exports:specification_create"), _form(test_ratio="0.3"))
    bad_alpha = client.post(
        reverse("exports:specification_create"), _form(min_agreement_text="empathy = 1.5")
    )

    assert "Minimum score, line 2: write it as criterion = number" in bad_line.content.decode()
    assert "must add up to 1 (they add up to 1.2)" in bad_ratios.content.decode()
    assert "Minimum agreement, line 1: 1.5 is out of range" in bad_alpha.content.decode()
    assert not ExportSpecification.objects.exists()


def test_only_projects_the_lead_leads_can_be_chosen(lead):
    elsewhere = ProjectFactory(slug="elsewhere")

    page = client_for(lead).get(reverse("exports:specification_create")).content.decode()
    refused = client_for(lead).post(
        reverse("exports:specification_create"), _form(projects=[elsewhere.pk])
    )

    assert "Clinic" in page
    assert "Elsewhere" not in page
    assert refused.status_code == 200
    assert not ExportSpecification.objects.exists()


def test_criterion_codes_must_exist_in_the_projects_rubrics(lead):
    client = client_for(lead)

    typo = client.post(
        reverse("exports:specification_create"), _form(min_scores_text="empathy = 4\nempaty = 3")
    )
    agreement = client.post(
        reverse("exports:specification_create"), _form(min_agreement_text="warmth = 0.6")
    )

    assert (
        "Minimum score: no rubric of the chosen projects has a criterion empaty "
        "(known criteria: empathy, structure)"
    ) in typo.content.decode()
    assert "Minimum agreement: no rubric of the chosen projects has a criterion warmth" in (
        agreement.content.decode()
    )
    assert not ExportSpecification.objects.exists()


def test_score_rules_are_refused_for_pairs_taken_from_pair_items(lead):
    client = client_for(lead)

    refused = client.post(
        reverse("exports:specification_create"),
        _form(kind="dpo", dpo_sources=["pairwise", "rewrites"], min_agreement_text=""),
    )
    total_only = client.post(
        reverse("exports:specification_create"),
        _form(
            kind="dpo",
            dpo_sources=["margins"],
            min_scores_text="",
            min_agreement_text="",
            min_total="5",
        ),
    )
    rewrites_only = client.post(
        reverse("exports:specification_create"),
        _form(kind="dpo", dpo_sources=["rewrites"], min_agreement_text=""),
    )

    assert "Minimum scores and a minimum total apply to scored sessions only" in (
        refused.content.decode()
    )
    assert "Minimum scores and a minimum total apply to scored sessions only" in (
        total_only.content.decode()
    )
    assert rewrites_only.status_code == 302
    assert ExportSpecification.objects.get().dpo_sources == ["rewrites"]


def test_a_dpo_bar_may_name_the_overall_choice_and_a_principle_for_pairs(lead):
    project = ProjectFactory(slug="clinic")
    ReviewSettings.objects.filter(project=project).update(
        pair_rubric=published_rubric(("validation", "safety"))
    )
    client = client_for(lead)

    accepted = client.post(
        reverse("exports:specification_create"),
        _form(
            kind="dpo",
            dpo_sources=["pairwise"],
            min_scores_text="",
            min_agreement_text="choice = 0.4\nvalidation = 0.5",
        ),
    )
    misspelt = client.post(
        reverse("exports:specification_create"),
        _form(
            kind="dpo",
            dpo_sources=["pairwise"],
            min_scores_text="",
            min_agreement_text="validaton = 0.5",
        ),
    )

    assert accepted.status_code == 302
    spec = ExportSpecification.objects.get()
    assert spec.min_agreement == {"choice": "0.4", "validation": "0.5"}
    assert list(spec.projects.all()) == [project]
    assert "no rubric of the chosen projects has a criterion validaton" in (
        misspelt.content.decode()
    )
