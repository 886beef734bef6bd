"""How long the free-text fields people type into may be, in one place.

Comments, rationales and reasons get ``TEXT_MAX_CHARS``; a project's guidelines
``GUIDELINES_MAX_CHARS``; a rewritten turn is a turn, so it gets
the import's per-turn limit (``IMPORT_MAX_TURN_CHARS``). The services refuse longer text with a
message naming the field and the limit; forms and the API show that message, the textareas
carry ``maxlength`` and the API serializers ``max_length`` (so the OpenAPI schema declares it).
docs/reviewing.md lists the limits.
"""

from __future__ import annotations

TEXT_MAX_CHARS = 10_000
# A project's guidelines are a document, not a note, but they are rendered beside every item.
GUIDELINES_MAX_CHARS = 50_000


def rewrite_max_chars() -> int:
    """A rewrite is a counselor turn: as long as an imported turn may be."""
    from django.conf import settings

    return int(settings.IMPORT_MAX_TURN_CHARS)


def text_too_long(*, value: str, label: str, maximum: int = TEXT_MAX_CHARS) -> str | None:
    """The message for a text longer than ``maximum`` characters, naming the field; else None."""
    from django.utils.translation import gettext as _

    if len(value) <= maximum:
        return None
    return _("%(field)s is too long: %(length)d characters, at most %(maximum)d.") % {
        "field": label,
        "length": len(value),
        "maximum": maximum,
    }


def text_problems(*fields: tuple[str, str, str], maximum: int = TEXT_MAX_CHARS) -> dict[str, str]:
    """Each ``(key, label, value)`` over ``maximum`` characters, as problems keyed by ``key``."""
    problems: dict[str, str] = {}
    for key, label, value in fields:
        message = text_too_long(value=value, label=label, maximum=maximum)
        if message:
            problems[key] = message
    return problems
