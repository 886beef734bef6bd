"""The API's token authentication, against core.models.ApiToken (digests, expiry)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from core.tokens import api_token_authenticate


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's own; the header's form is unchanged."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        token = api_token_authenticate(key=key)
        if token is None:
            raise AuthenticationFailed(_("Invalid, expired or revoked token."))
        return token.user, token
