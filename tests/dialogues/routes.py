from dialogues.models import ImportBatch
from tests.dialogues.factories import ImportBatchFactory, SessionFactory
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


ROUTES = [
    Route("dialogues:session_list", "user", allowed=LEADS),
    Route("dialogues:session_detail", "project", _session, allowed=LEADS),
    Route("dialogues:import_upload", "user", allowed=LEADS),
    Route("dialogues:batch_list", "user", allowed=LEADS),
    Route("dialogues:batch_detail", "project", _batch, allowed=LEADS),
    Route("dialogues:batch_summary", "project", _batch, allowed=LEADS),
    Route("dialogues:batch_errors", "project", _batch, allowed=LEADS),
]
