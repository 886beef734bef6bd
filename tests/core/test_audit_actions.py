"""Audit actions are named constants of one class, and every one of them is written somewhere.

A misspelt action used to become a new action in the log without a word; a renamed call site
left its old action behind in the list that leads filter on. Both are caught here, by reading the
application's source the way the interpreter does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.audit import AuditAction, audit_record
from core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "core", "dialogues", "rubrics", "review", "exports")
DEFINITION = ROOT / "core" / "audit.py"


def _app_modules() -> list[tuple[Path, ast.Module]]:
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            modules.append((path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return modules


def _actions_named(tree: ast.Module) -> set[str]:
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "AuditAction"
    }


def _audit_calls(tree: ast.Module) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "audit_record")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "audit_record")
        )
    ]


def _may_be_a_bare_string(node: ast.expr) -> bool:
    """Whether the action given can be a string literal, also inside ``x if c else y``."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.IfExp):
        return _may_be_a_bare_string(node.body) or _may_be_a_bare_string(node.orelse)
    if isinstance(node, ast.BoolOp):
        return any(_may_be_a_bare_string(value) for value in node.values)
    return False


def test_every_audit_action_is_written_by_some_code_path() -> None:
    named: set[str] = set()
    for path, tree in _app_modules():
        if path != DEFINITION:
            named |= _actions_named(tree)
    unused = sorted(set(AuditAction.names) - named)
    assert unused == [], f"audit actions that no code writes: {unused}"
    unknown = sorted(named - set(AuditAction.names))
    assert unknown == [], f"code names audit actions that do not exist: {unknown}"


def test_no_audit_call_passes_a_bare_string() -> None:
    strays = []
    for path, tree in _app_modules():
        for call in _audit_calls(tree):
            for keyword in call.keywords:
                if keyword.arg != "action":
                    continue
                if _may_be_a_bare_string(keyword.value):
                    strays.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert strays == []


def test_each_action_is_stored_under_its_own_value() -> None:
    # An Enum silently makes a repeated value an alias of the first name: two actions would then
    # be written as one.
    assert len(AuditAction.__members__) == len(AuditAction)
    assert len(set(AuditAction.values)) == len(AuditAction)


@pytest.mark.django_db
def test_a_misspelt_action_is_refused_before_anything_is_written(world) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(TypeError, match=r"review\.reveiw\.submit"):
        audit_record(actor=world.lead, action="review.reveiw.submit", project=world.project)  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        AuditAction.REVEIW_SUBMIT  # type: ignore[attr-defined]  # noqa: B018
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_stored_value_is_the_plain_action_text(world) -> None:
    audit_record(actor=world.lead, action=AuditAction.REVIEW_SUBMIT, project=world.project)
    stored = AuditEvent.objects.values_list("action", flat=True).latest("pk")
    assert stored == "review.review.submit"
    assert type(stored) is str
