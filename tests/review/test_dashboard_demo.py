"""The demo project shows agreement and an imported judge's alignment."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Project
from dialogues.models import SourceRating
from review.demo.agreement import RATER
from review.services.agreement import project_agreement

pytestmark = pytest.mark.django_db


def test_the_demo_shows_human_agreement_and_the_imported_judge(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("demo_setup", stdout=StringIO())
    count = SourceRating.objects.filter(rater=RATER).count()
    call_command("demo_setup", stdout=StringIO())
    assert SourceRating.objects.filter(rater=RATER).count() == count

    report = project_agreement(project=Project.objects.get(slug="demo"), n_boot=0)

    assert any(row["alpha"] is not None for row in report["criteria"])
    (judge,) = [judge for judge in report["judges"] if judge["name"] == RATER]
    assert judge["kind"] == "imported"
    # A point too generous on every other session: a lenient judge on every criterion.
    assert judge["criteria"]
    assert all(row["bias"] > 0 for row in judge["criteria"])
    assert judge["pairwise"]["agreement"] > 0.9
