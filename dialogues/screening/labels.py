"""What pages call the categories and framings (translated; the stored values stay English)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dialogues.screening.framing import NEGATED, QUESTION, STATEMENT

CATEGORY_LABELS: dict[str, Promise] = {
    "suicidal": _("Suicidal thoughts"),
    "self_harm": _("Self-harm"),
    "harm_others": _("Harm to others"),
    "abuse": _("Abuse"),
    "phone": _("Phone number"),
    "email": _("E-mail address"),
    "cn_id": _("Resident ID number"),
    "address": _("Street address"),
    "url": _("Web address"),
    "name": _("Personal name"),
}

FRAMING_LABELS: dict[str, Promise] = {
    STATEMENT: _("statement"),
    QUESTION: _("asked as a question"),
    NEGATED: _("negated"),
}
