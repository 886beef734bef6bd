from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core import throttle

THROTTLED = _("Too many failed sign-in attempts. Wait a few minutes before trying again.")


class ThrottledAuthenticationForm(AuthenticationForm):
    """The sign-in form, refusing further tries once core.throttle says there were too many."""

    error_messages = {**AuthenticationForm.error_messages, "throttled": THROTTLED}
    entrance: throttle.Entrance = "web"

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "") or ""
        if self.request is not None and throttle.login_blocked(self.request, username):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.request is not None:
                throttle.login_failed(self.request, username, entrance=self.entrance)
            raise
        if self.request is not None:
            throttle.login_succeeded(self.request, username)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The Django admin's sign-in form (staff only), counted by the same throttle.

    A non-staff account's correct password is refused by the admin form and counts as a failure,
    so the admin cannot be used to test passwords either.
    """

    error_messages = {**AdminAuthenticationForm.error_messages, "throttled": THROTTLED}
    entrance: throttle.Entrance = "admin"
