from dialogues.models import ImportBatch
from tests.dialogues.factories import FlagFactory, ImportBatchFactory, SessionFactory
from tests.routes import Route

LEADS = frozenset({"lead"})


def _session(world):
    if "session" not in world.objects:
        world.objects["session"] = SessionFactory(project=world.project)
    return {"session_id": world.objects["session"].pk}


def _batch(world):
    if "batch" not in world.objects:
        world.objects["batch"] = ImportBatchFactory(
            project=world.project,
            status=ImportBatch.Status.REJECTED,
            errors=[{"file": "a.jsonl", "line": 1, "record": 1, "field": "x", "message": "bad"}],
        )
    return {"batch_id": world.objects["batch"].pk}


def _flag(world, status: str):
    """A flag of the world's project; the clear route needs an open one, reopen a cleared one."""
    key = f"flag_{status}"
    if key not in world.objects:
        session = SessionFactory(project=world.project)
        world.objects[key] = FlagFactory(
            session=session, turn=session.turns.first(), speaker="client", status=status
        )
    return {"flag_id": world.objects[key].pk}


ROUTES = [
    Route("dialogues:session_list", "user", allowed=LEADS),
    Route("dialogues:session_detail", "project", _session, allowed=LEADS),
    Route("dialogues:import_upload", "user", allowed=LEADS),
    Route("dialogues:import_from_bucket", "user", method="POST", allowed=LEADS, body_required=True),
    Route("dialogues:batch_list", "user", allowed=LEADS),
    Route("dialogues:batch_detail", "project", _batch, allowed=LEADS),
    Route("dialogues:batch_summary", "project", _batch, allowed=LEADS),
    Route("dialogues:batch_errors", "project", _batch, allowed=LEADS),
    # Screening flags: a lead clears or reopens; the lead's POST without a reason is answered
    # with a redirect back to the session page and a message.
    Route("dialogues:flag_clear", "project", lambda w: _flag(w, "open"), "POST", allowed=LEADS),
    Route("dialogues:flag_reopen", "project", lambda w: _flag(w, "cleared"), "POST", allowed=LEADS),
]


def _project(world):
    return {"slug": world.project.slug}


ROUTES += [
    Route("api_import_list", "project", _project, api=True, allowed=LEADS),
    Route(
        "api_import_from_bucket",
        "project",
        _project,
        "POST",
        api=True,
        allowed=LEADS,
        body_required=True,
    ),
    Route("api_import_detail", "project", _batch, api=True, allowed=LEADS),
    Route("api_session_list", "project", _project, api=True, allowed=LEADS),
    Route("api_session_detail", "project", _session, api=True, allowed=LEADS),
]
