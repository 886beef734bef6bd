"""API tokens: made, used, expired and revoked (see core.models.ApiToken).

Every change is written to the audit log under the actions below. A password change anywhere
(the account page, a reset link, the admin, ``manage.py changepassword``) revokes all of the
user's tokens through :class:`RevokeApiTokensOnPasswordChange`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import AuditAction, audit_record
from core.models import ApiToken

# A script that asks the token endpoint for a new token on every run would otherwise pile them
# up; past this many, the oldest go.
MAX_TOKENS_PER_USER = 20
# last_used_at is written at most this often per token, not on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _summary(token: ApiToken) -> dict[str, Any]:
    return {
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat(),
    }


# --- Selectors --------------------------------------------------------------------------------


def api_tokens_for_user(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def api_token_get_for_user(*, token_id: int, user: Any) -> ApiToken:
    """One of the user's own tokens; anyone else's is 404, as if it did not exist."""
    token = api_tokens_for_user(user=user).filter(pk=token_id).first()
    if token is None:
        raise Http404
    return token


# --- Services ---------------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: Any, name: str = "") -> tuple[ApiToken, str]:
    """Make a token; returns it and its key, which is shown once and never stored."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:8],
        digest=_digest(key),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    audit_record(actor=user, action=AuditAction.TOKEN_CREATE, obj=token, after=_summary(token))
    for old in api_tokens_for_user(user=user)[MAX_TOKENS_PER_USER:]:
        api_token_revoke(token=old, actor=user, reason="too many tokens")
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any, reason: str = "") -> None:
    audit_record(
        actor=actor,
        action=AuditAction.TOKEN_REVOKE,
        obj=token,
        before=_summary(token),
        reason=reason,
    )
    token.delete()


@transaction.atomic
def api_tokens_revoke_for_password_change(*, user: Any) -> int:
    """Revoke every token of ``user``, whose password has just changed; how many there were."""
    tokens = list(api_tokens_for_user(user=user).select_for_update())
    if not tokens:
        return 0
    audit_record(
        actor=None,
        action=AuditAction.TOKENS_REVOKED_BY_PASSWORD,
        obj=user,
        before=[_summary(token) for token in tokens],
        reason="password changed",
    )
    ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).delete()
    return len(tokens)


def api_token_authenticate(*, key: str) -> ApiToken | None:
    """The live token with this key, or None.

    An expired token is refused, audited and deleted at its first use after expiry, so the log
    says once that it was tried and a script retrying it does not flood the log.
    """
    token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.is_expired:
        with transaction.atomic():
            audit_record(
                actor=None, action=AuditAction.TOKEN_EXPIRED, obj=token, before=_summary(token)
            )
            token.delete()
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class RevokeApiTokensOnPasswordChange:
    """Listed in AUTH_PASSWORD_VALIDATORS for its ``password_changed`` hook, not to validate.

    Django calls that hook whenever a user's new password is saved, whichever page, form or
    command set it; hooking the views instead would miss the admin and the command line. A
    stolen token must not outlive the password reset that its owner does in response.
    """

    def validate(self, password: str, user: Any = None) -> None:
        return None

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is not None and user.pk is not None:
            api_tokens_revoke_for_password_change(user=user)

    def get_help_text(self) -> str:
        return _("Changing your password revokes all of your API tokens.")
