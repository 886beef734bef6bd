"""import_ratings and agreement_report: the published example (Krippendorff 2011) and bad files."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEvent
from review.models import ExternalRating
from review.services.agreement import project_agreement, project_criterion_alpha
from tests.factories import ProjectFactory
from tests.review.agreement_fixtures import (
    LEVELS,
    krippendorff_csv,
    krippendorff_reference,
    krippendorff_reviews,
    level_rubric,
)

pytestmark = pytest.mark.django_db

PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}


def report_json(slug: str, *extra: str) -> dict:
    out = StringIO()
    call_command("agreement_report", "--project", slug, "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def test_krippendorff_2011_through_import_ratings_and_agreement_report(tmp_path):
    project = ProjectFactory(slug="study")
    level_rubric()
    path = krippendorff_csv(tmp_path / "ratings.csv")

    out = StringIO()
    call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011", stdout=out)
    report = report_json("study", "--rubric", "k2011")

    assert "192 ratings added" in out.getvalue()
    rows = {row["code"]: row for row in report["criteria"]}
    assert {code: round(rows[code]["alpha"], 3) for code in LEVELS} == PUBLISHED
    for code in LEVELS:
        assert rows[code]["level"] == code
        # Unit 12 has a single value: 11 items and 40 pairable values, as in the paper.
        assert rows[code]["n_items"] == 11
        assert rows[code]["n_pairable"] == 40
        assert rows[code]["low"] < rows[code]["alpha"] < rows[code]["high"]
    assert ExternalRating.objects.filter(project=project, score__isnull=True).count() == 4 * 7
    assert AuditEvent.objects.filter(action="review.ratings.imported").count() == 1


def test_the_same_numbers_come_from_reviews_entered_in_rapport():
    project = ProjectFactory(slug="clinic-study")
    rubric = level_rubric()
    krippendorff_reviews(project, rubric)

    report = project_agreement(project=project, n_boot=100)
    alphas = project_criterion_alpha(project=project, rubric=rubric)

    rows = {row["code"]: row for row in report["criteria"]}
    assert {code: round(rows[code]["alpha"], 3) for code in LEVELS} == PUBLISHED
    assert {code: round(alphas[code], 3) for code in LEVELS} == PUBLISHED
    expected = krippendorff_reference()["expected_alpha"]
    assert alphas["interval"] == pytest.approx(expected["interval"], abs=1e-6)
    reviewers = {row["rater"] for row in report["reviewers"]}
    assert reviewers == {"observer-A", "observer-B", "observer-C", "observer-D"}


def test_export_time_alpha_matches_the_dashboard_with_reviews_and_imported_ratings(tmp_path):
    """Exports read a lean table per criterion; it must give the dashboard's numbers, with
    reviews and an imported study side by side in one project."""
    project = ProjectFactory(slug="mixed")
    rubric = level_rubric()
    krippendorff_reviews(project, rubric)
    path = krippendorff_csv(tmp_path / "ratings.csv")
    call_command("import_ratings", str(path), "--project", "mixed", "--rubric", "k2011")

    report = project_agreement(project=project, rubric=rubric, n_boot=0)
    alphas = project_criterion_alpha(project=project, rubric=rubric)

    rows = {row["code"]: row for row in report["criteria"]}
    assert rows["ordinal"]["n_items"] == 22  # the study twice: as reviews and as imports
    for code in LEVELS:
        assert alphas[code] == pytest.approx(rows[code]["alpha"], abs=1e-12)


def test_criterion_alpha_is_none_without_pairable_ratings():
    project = ProjectFactory()
    rubric = level_rubric()
    assert project_criterion_alpha(project=project, rubric=rubric) == dict.fromkeys(LEVELS)


def test_a_bad_file_names_line_and_field_and_stores_nothing(tmp_path):
    project = ProjectFactory(slug="study")
    level_rubric()
    path = tmp_path / "bad.csv"
    path.write_text(
        "item,rater,criterion,score\n"
        "u1,A,ordinal,3\n"
        "u1,B,ordinal,three\n"
        "u2,A,warmth,2\n"
        "u2,B,ordinal,9\n"
        ",C,ordinal,1\n"
        "u1,A,ordinal,4\n"
    )

    with pytest.raises(CommandError) as raised:
        call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011")

    message = str(raised.value)
    assert f"{path}, line 3, field score: 'three' is not a number" in message
    assert f"{path}, line 4, field criterion: 'warmth' is not a criterion" in message
    assert f"{path}, line 5, field score: 9 is outside ordinal's scale 1–5" in message
    assert f"{path}, line 6, field item: empty" in message
    assert f"{path}, line 7, field score: a second rating of item 'u1' by 'A'" in message
    assert "(first on line 2)" in message
    assert not ExternalRating.objects.filter(project=project).exists()


def test_a_missing_column_is_named(tmp_path):
    ProjectFactory(slug="study")
    level_rubric()
    path = tmp_path / "wide.csv"
    path.write_text("item,rater,score\nu1,A,3\n")
    with pytest.raises(CommandError, match=r"line 1: missing column\(s\) criterion"):
        call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011")


def test_importing_again_replaces_scores_without_duplicating(tmp_path):
    project = ProjectFactory(slug="study")
    level_rubric()
    path = tmp_path / "r.csv"
    path.write_text("item,rater,criterion,score\nu1,A,ordinal,3\nu1,B,ordinal,4\n")
    call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011")
    path.write_text("item,rater,criterion,score\nu1,A,ordinal,2\nu1,B,ordinal,4\n")
    out = StringIO()
    call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011", stdout=out)
    assert "0 ratings added, 1 changed" in out.getvalue()
    scores = dict(ExternalRating.objects.filter(project=project).values_list("rater", "score"))
    assert scores == {"A": 2.0, "B": 4.0}


def test_unknown_project_or_rubric_is_a_clear_error(tmp_path):
    path = krippendorff_csv(tmp_path / "r.csv")
    with pytest.raises(CommandError, match="No project with the slug 'nowhere'"):
        call_command("import_ratings", str(path), "--project", "nowhere", "--rubric", "k2011")
    ProjectFactory(slug="study")
    with pytest.raises(CommandError, match="No rubric 'k2011'"):
        call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011")


def test_a_score_between_the_scales_steps_is_refused_with_line_and_field(tmp_path):
    """2.5 on a step-1 scale would enter alpha as a level no reviewer can give."""
    project = ProjectFactory(slug="study")
    level_rubric()
    path = tmp_path / "halves.csv"
    path.write_text("item,rater,criterion,score\nu1,A,ordinal,3\nu1,B,ordinal,2.5\n")

    with pytest.raises(CommandError) as raised:
        call_command("import_ratings", str(path), "--project", "study", "--rubric", "k2011")

    message = str(raised.value)
    assert f"{path}, line 3, field score: 2.5 is between the steps of ordinal's scale" in message
    assert not ExternalRating.objects.filter(project=project).exists()
