from tests.routes import Route


def _project(world):
    return {"slug": world.project.slug}


def _job(world):
    return {"job_id": world.job.pk}


def _api_token(world):
    from core.tokens import api_token_create

    return {"token_id": api_token_create(user=world.lead)[0].pk}


ROUTES = [
    Route("login", "public"),
    Route("password_reset", "public"),
    Route("password_reset_done", "public"),
    Route(
        "password_reset_confirm", "public", lambda world: {"uidb64": "MQ", "token": "set-password"}
    ),
    Route("password_reset_complete", "public"),
    Route("set_language", "public", method="POST"),
    Route("javascript_catalog", "public", html=False),
    Route("logout", "user", method="POST"),
    Route("password_change", "user"),
    Route("password_change_done", "user"),
    Route("core:home", "user"),
    Route("core:ping", "user"),
    Route("core:project_list", "user"),
    Route("core:project_detail", "project", _project),
    Route("core:project_audit", "project", _project, allowed=frozenset({"lead"})),
    Route("core:job_list", "user"),
    Route("core:job_detail", "owner", _job),
    Route("core:job_progress", "owner", _job),
    Route("core:job_retry", "owner", _job, method="POST"),
    Route("core:job_cancel", "owner", _job, method="POST"),
    Route("core:api_token", "user"),
    Route("core:api_token_revoke", "owner", _api_token, method="POST"),
    Route("api_token_obtain", "public", method="POST", api=True),
    Route("api_me", "user", api=True),
    Route("api_schema", "user", api=True),
    Route("api_docs", "user", api=True),
    Route("api_project_list", "user", api=True),
    Route("api_project_detail", "project", _project, api=True),
    Route("api_job_list", "user", api=True),
    Route("api_job_detail", "owner", _job, api=True),
    Route("api_job_retry", "owner", _job, method="POST", api=True),
    Route("api_job_cancel", "owner", _job, method="POST", api=True),
]
