"""What a record's fields must hold, and the words an importer uses when one does not.

An importer raises :class:`Invalid` for a record it cannot use; the loop around it (see
``dialogues.importers.records``) turns that into a RecordIssue naming the field, so each format
states only its own rules.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class Invalid(Exception):
    """A record an importer cannot use; the importer turns it into a RecordIssue."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def type_name(value: Any) -> str:
    if value is None:
        return _("null")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("an object")
    return type(value).__name__


def missing() -> str:
    return _("missing")


def empty() -> str:
    return _("empty")


def expected_text(value: Any) -> str:
    return _("expected text, got %(type)s") % {"type": type_name(value)}


def expected_list(value: Any) -> str:
    return _("expected a list, got %(type)s") % {"type": type_name(value)}


def expected_object(value: Any) -> str:
    return _("expected an object, got %(type)s") % {"type": type_name(value)}


def not_one_of(value: Any, allowed: str) -> str:
    return _("%(value)r is not one of %(allowed)s") % {"value": value, "allowed": allowed}


def dialogue_empty() -> str:
    return _("the dialogue is empty")


def require_object(value: Any, what: str = "(record)") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(what, expected_object(value))
    return value


def text_field(record: dict[str, Any], name: str, *, required: bool = True) -> str:
    """A text field, stripped; missing, non-text or (when required) blank values are Invalid."""
    value = record.get(name)
    if value is None:
        if required:
            raise Invalid(name, missing())
        return ""
    if not isinstance(value, str):
        raise Invalid(name, expected_text(value))
    value = value.strip()
    if required and not value:
        raise Invalid(name, empty())
    return value


def list_field(record: dict[str, Any], name: str, *, required: bool = True) -> list[Any]:
    value = record.get(name)
    if value is None:
        if required:
            raise Invalid(name, missing())
        return []
    if not isinstance(value, list):
        raise Invalid(name, expected_list(value))
    return value


def plain_id(value: Any) -> str:
    """A source id as text, or "" when the source has none."""
    if value is None or isinstance(value, bool) or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def entry_text(entry: dict[str, Any], name: str, *, where: str) -> str:
    """A required text field of one entry of a list, its problem named with the entry's place.

    ``history[3].message`` tells the user which turn to fix; ``message`` alone would not.
    """
    try:
        return text_field(entry, name)
    except Invalid as problem:
        raise Invalid(f"{where}.{problem.field}", problem.message) from None


def entry_speaker(
    entry: dict[str, Any], name: str, *, where: str, speakers: dict[str, str], allowed: str
) -> str:
    """The speaker an entry's role names (``speakers`` maps the source's roles to ours)."""
    speaker = speakers.get(entry.get(name))  # type: ignore[arg-type]
    if speaker is None:
        raise Invalid(f"{where}.{name}", not_one_of(entry.get(name), allowed))
    return speaker


def text_fields(record: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The optional text fields of ``names`` that a record fills, for its session's metadata."""
    found: dict[str, str] = {}
    for name in names:
        value = text_field(record, name, required=False)
        if value:
            found[name] = value
    return found


def question_text(record: dict[str, Any]) -> str:
    """The client's turn of the Chinese Q&A sets: the ``question``, then its ``description``."""
    question = text_field(record, "question")
    description = text_field(record, "description", required=False)
    return f"{question}\n{description}" if description else question
