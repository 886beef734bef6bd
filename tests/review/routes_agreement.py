"""Access routes of the review app's agreement pages (see tests/core/test_access.py).

Agreement and judge numbers are for a project's leads only: reviewers must never see judge
scores, so every route here refuses reviewers and trainers.
"""

from review.models import JudgeConfig, JudgeRun
from tests.factories import JobFactory
from tests.review.factories import SessionItemFactory
from tests.routes import Route

LEADS = frozenset({"lead"})


def _project(world):
    return {"slug": world.project.slug}


def _judge(world):
    # A lead may start a run (the run itself never starts: the access test does not execute
    # on-commit callbacks, so nothing is sent); the judge needs no key.
    if "judge_config" not in world.objects:
        world.objects["judge_config"] = JudgeConfig.objects.create(
            project=world.project,
            name="access judge",
            base_url="http://127.0.0.1:9/v1",
            model="m",
            api_key_name="",
        )
    return {**_project(world), "judge_id": world.objects["judge_config"].pk}


def _run(world):
    _judge(world)
    if "judge_run" not in world.objects:
        job = JobFactory(project=world.project, started_by=world.lead, kind="review.judge_run")
        world.objects["judge_run"] = JudgeRun.objects.create(
            config=world.objects["judge_config"], job=job
        )
    return {**_project(world), "run_id": world.objects["judge_run"].pk}


def _item(world):
    if "agreement_item" not in world.objects:
        world.objects["agreement_item"] = SessionItemFactory(project=world.project)
    return {**_project(world), "item_id": world.objects["agreement_item"].pk}


ROUTES: list[Route] = [
    Route("review:agreement_home", "user"),
    Route("review:agreement_project", "project", _project, allowed=LEADS),
    Route("review:agreement_download", "project", _project, allowed=LEADS),
    Route("review:agreement_recompute", "project", _project, method="POST", allowed=LEADS),
    Route("review:agreement_send_back", "project", _item, method="POST", allowed=LEADS),
    Route("review:judge_create", "project", _project, allowed=LEADS),
    Route("review:judge_detail", "project", _judge, allowed=LEADS),
    Route("review:judge_run", "project", _judge, method="POST", allowed=LEADS),
    Route("review:judge_run_cancel", "project", _run, method="POST", allowed=LEADS),
]

ROUTES += [
    Route("api_agreement", "project", _project, api=True, allowed=LEADS),
    Route("api_agreement_recompute", "project", _project, method="POST", api=True, allowed=LEADS),
    Route("api_judges", "project", _project, api=True, allowed=LEADS),
    Route("api_judge_run_start", "project", _judge, method="POST", api=True, allowed=LEADS),
    Route("api_judge_run", "project", _run, api=True, allowed=LEADS),
    Route("review:judge_run_signals", "project", _run, allowed=LEADS),
    Route("api_judge_run_signals", "project", _run, api=True, allowed=LEADS),
    Route("api_judge_prompt_history", "project", _judge, api=True, allowed=LEADS),
    Route("api_review_queue", "project", _project, api=True, allowed=LEADS),
]
