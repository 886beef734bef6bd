import time

from playwright.sync_api import Page, expect

from core.models import Job, Role
from tests.browser.conftest import login
from tests.factories import JobFactory, ProjectFactory, member


def test_progress_moves_without_a_reload_and_polling_stops_when_the_job_ends(page: Page) -> None:
    project = ProjectFactory()
    lead = member(project, Role.LEAD, "lead")
    job = JobFactory(
        project=project,
        started_by=lead,
        status=Job.Status.RUNNING,
        progress_done=0,
        progress_total=4,
        message="Reading sessions",
    )
    login(page, lead)
    page.goto(f"/jobs/{job.pk}/")
    page.evaluate("window.notReloaded = true")
    progress = page.locator("#job-progress")
    expect(progress).to_contain_text("0 / 4 (0%)")

    # The worker reports progress; the open page follows it.
    Job.objects.filter(pk=job.pk).update(progress_done=2, message="Halfway")
    expect(progress).to_contain_text("2 / 4 (50%)")
    expect(progress).to_contain_text("Halfway")

    polls: list[str] = []
    page.on(
        "request",
        lambda request: polls.append(request.url) if "/progress/" in request.url else None,
    )
    Job.objects.filter(pk=job.pk).update(
        progress_done=4, status=Job.Status.SUCCEEDED, message="Done", result={"created": 4}
    )
    expect(progress).to_contain_text("4 / 4 (100%)")
    expect(progress).to_contain_text("Succeeded")
    expect(progress).to_contain_text("created")
    assert page.evaluate("window.notReloaded") is True

    # Once the finished fragment is in place nothing polls any more.
    settled = len(polls)
    time.sleep(2.5)
    assert len(polls) == settled
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
