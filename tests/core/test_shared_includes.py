"""Pages that share an include render byte for byte what they rendered with their own markup.

The files in ``pages/`` (HTML, kept as .txt so that they read as data) were rendered from the
templates before the shared parts became includes (the audit rows, the filtered pagination);
a change to an include that alters one of these pages shows here.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.template.loader import render_to_string

from core.models import AuditEvent, Project

PAGES = Path(__file__).parent / "pages"
WHEN = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


def _events() -> list[AuditEvent]:
    return [
        AuditEvent(
            pk=1,
            actor=User(username="lead"),
            action="review.review.edit",
            object_type="core.Job",
            object_id="7",
            before={"x": 1},
            after={"x": 2},
            reason="typo",
            created_at=WHEN,
        ),
        AuditEvent(
            pk=2,
            actor=None,
            action="review.item.approve",
            object_type="review.Item",
            object_id="9",
            before=None,
            after={"status": "approved"},
            reason="",
            created_at=WHEN,
        ),
    ]


def _middle_page() -> Page:
    return Paginator(_events() * 30, 25).page(2)


def _expected(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_project_audit_log_page_is_unchanged() -> None:
    html = render_to_string(
        "core/project_audit.html",
        {"project": Project(slug="p", name="P"), "page": _middle_page(), "members": []},
    )
    assert html[html.index("<h1>") : html.index("</main>")] == _expected("project_audit.txt")


@pytest.mark.parametrize(
    ("compact", "name"), [(False, "lead_audit.txt"), (True, "lead_audit_compact.txt")]
)
def test_a_leads_audit_table_is_unchanged(compact: bool, name: str) -> None:
    html = render_to_string("review/lead/_audit.html", {"events": _events(), "compact": compact})
    assert html == _expected(name)


def test_the_filtered_pagination_is_unchanged() -> None:
    html = render_to_string("dialogues/_pagination.html", {"page": _middle_page(), "query": "q=a"})
    assert html == _expected("pagination.txt")
