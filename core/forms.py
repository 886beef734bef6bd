from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from core import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Wait a few minutes before trying again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "") or ""
        if self.request is not None and throttle.login_blocked(self.request, username):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if self.request is not None:
                throttle.login_failed(self.request, username)
            raise
        if self.request is not None:
            throttle.login_succeeded(self.request, username)
        return cleaned
