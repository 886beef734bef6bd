from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from core.demo import DemoContext
from core.models import AuditEvent
from rubrics.demo import demo_setup
from rubrics.models import Rubric
from tests.rubrics.conftest import small_rubric_data, write


def test_import_then_export(db, tmp_path) -> None:
    path = write(tmp_path, small_rubric_data())
    out = StringIO()
    call_command("rubric_import", str(path), stdout=out)
    assert "small v1 (published): imported" in out.getvalue()
    again = StringIO()
    call_command("rubric_import", str(path), stdout=again)
    assert "already there, unchanged" in again.getvalue()
    exported = StringIO()
    call_command("rubric_export", "small", stdout=exported)
    assert exported.getvalue().startswith("format: 1\nslug: small\nversion: 1\n")
    assert "  - score: 4\n" in exported.getvalue()


def test_import_as_draft(db, tmp_path) -> None:
    path = write(tmp_path, small_rubric_data())
    call_command("rubric_import", str(path), "--draft", stdout=StringIO())
    assert Rubric.objects.get(slug="small").status == "draft"


def test_an_invalid_file_names_file_path_and_problem(db, tmp_path) -> None:
    data = small_rubric_data()
    data["criteria"][2]["scale"]["min"] = 9
    path = write(tmp_path, data, "bad.yaml")
    with pytest.raises(CommandError) as caught:
        call_command("rubric_import", str(path))
    assert str(caught.value) == f"{path}: criteria[2].scale: min (9) must be below max (4)"
    assert not Rubric.objects.exists()


def test_export_of_an_unknown_rubric(db) -> None:
    with pytest.raises(CommandError, match="No rubric 'nothing' with version 3"):
        call_command("rubric_export", "nothing", "--version", "3")
    with pytest.raises(CommandError, match="No rubric 'nothing' with a published version"):
        call_command("rubric_export", "nothing")


def test_demo_setup_loads_the_rubrics(db) -> None:
    lines: list[str] = []
    demo_setup(DemoContext(project=None, users={}, log=lines.append))  # type: ignore[arg-type]
    demo_setup(DemoContext(project=None, users={}, log=lines.append))  # type: ignore[arg-type]
    assert lines == ["Rubrics: 9 loaded, 0 already there", "Rubrics: 0 loaded, 9 already there"]


def test_a_rubric_published_from_the_command_line_is_audited(db, tmp_path) -> None:
    path = write(tmp_path, small_rubric_data())

    call_command("rubric_import", str(path), stdout=StringIO())
    call_command("rubric_import", str(path), stdout=StringIO())  # unchanged: nothing new

    events = AuditEvent.objects.filter(action="rubrics.rubric.publish")
    assert events.count() == 1
    event = events.get()
    assert event.after == {"slug": "small", "version": 1, "status": "published"}
    assert event.reason == f"manage.py rubric_import {path.name}"
    assert str(tmp_path) not in event.reason
