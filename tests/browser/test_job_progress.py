"""A running import's progress reads in sizes, a percentage and the time left, not raw bytes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from core.models import Job
from dialogues.models import IMPORT_KIND
from tests.browser.conftest import login
from tests.factories import JobFactory, UserFactory


def test_a_running_import_shows_megabytes_a_percentage_and_the_time_left(page: Page) -> None:
    lead = UserFactory(username="lead")
    job = JobFactory(
        kind=IMPORT_KIND,
        task_name=IMPORT_KIND,
        started_by=lead,
        status=Job.Status.RUNNING,
        progress_done=3 * 1024 * 1024,
        progress_total=12 * 1024 * 1024,
    )
    # A quarter read in a minute: three more minutes at that pace.
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(seconds=60))
    login(page, lead)

    page.goto(f"/jobs/{job.pk}/")

    label = page.locator("#job-progress .progress-label")
    expect(label).to_contain_text("3.0 MB of 12.0 MB (25%)")
    expect(label).to_contain_text("about 3 min left")
    expect(label).not_to_contain_text(str(3 * 1024 * 1024))
