import pytest

from core.demo import DemoContext
from core.models import Role
from dialogues.demo import SESSIONS_PER_LANGUAGE, demo_setup
from dialogues.models import Flag, ImportBatch, Session, SourceRating
from tests.factories import ProjectFactory, member


@pytest.mark.django_db
def test_demo_imports_sessions_in_both_languages_once() -> None:
    project = ProjectFactory(slug="demo")
    lead = member(project, Role.LEAD, "demo-lead")
    logs: list[str] = []
    context = DemoContext(project=project, users={"demo-lead": lead}, log=logs.append)

    demo_setup(context)
    sessions = Session.objects.filter(project=project)
    assert sessions.filter(language="en", source_format="messages").count() == SESSIONS_PER_LANGUAGE
    assert sessions.filter(language="zh").count() == SESSIONS_PER_LANGUAGE
    assert sessions.filter(source_format="cactus").count() == 2
    assert sessions.filter(source_format="psychocounsel").count() == 3
    assert SourceRating.objects.filter(session__project=project).count() == 3 * 14
    assert Flag.objects.filter(session__project=project, kind="crisis").exists()
    assert Flag.objects.filter(session__project=project, kind="pii").exists()
    batch = ImportBatch.objects.get(project=project)
    assert batch.created_by == lead
    assert batch.job is not None

    demo_setup(context)
    assert ImportBatch.objects.filter(project=project).count() == 1
    assert logs[-1] == "Sessions: demo sessions already imported"
