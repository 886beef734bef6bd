"""A job kind has one name: the home page's recent jobs, the Jobs page and the job's own page
call it the same, in English and in Chinese."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.models import JOB_KINDS
from tests.conftest import client_for
from tests.factories import JobFactory, UserFactory

pytestmark = pytest.mark.django_db


def _kind_cells(html: str) -> dict[str, str]:
    """Job number -> the text of its Kind cell, from a jobs table."""
    rows = re.findall(r'<a href="/jobs/(\d+)/">\1</a></td>\s*<td>([^<]*)</td>', html)
    return {number: label.strip() for number, label in rows}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_home_jobs_page_and_job_page_name_each_kind_alike(language: str) -> None:
    user = UserFactory()
    kinds = sorted(kind for kind in JOB_KINDS if not kind.startswith("tests."))[:5]
    assert len(kinds) >= 4, "the apps register their job kinds"
    jobs = {str(JobFactory(kind=kind, started_by=user).pk): kind for kind in kinds}
    client = client_for(user)
    client.cookies["django_language"] = language

    home = _kind_cells(client.get(reverse("core:home")).content.decode())
    listed = _kind_cells(client.get(reverse("core:job_list")).content.decode())

    assert home.keys() == listed.keys() == jobs.keys()
    for number, kind in jobs.items():
        label = home[number]
        assert label == listed[number] != kind, f"{kind} is named by its code"
        detail = client.get(reverse("core:job_detail", args=[int(number)])).content.decode()
        assert label in re.search(r"<h1>(.*?)</h1>", detail, re.S).group(1)  # type: ignore[union-attr]
    if language == "zh-hans":
        assert all(re.search(r"[\u4e00-\u9fff]", label) for label in home.values())
