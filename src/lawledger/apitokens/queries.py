"""Reads of API tokens: a user sees their own; an admin and the operator see everyone's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from lawledger.apitokens.models import ApiToken
from lawledger.apitokens.scopes import stored_scopes
from lawledger.core import clock
from lawledger.core.access import Principal, Role


def tokens_for(principal: Principal, *, everyone: bool = False) -> QuerySet[ApiToken]:
    """Tokens `principal` may list: their own, or (admin, operator, with `everyone`) all."""
    tokens = ApiToken.objects.select_related("user").order_by("-created_at", "public_id")
    if everyone and (principal.is_operator or principal.role is Role.ADMIN):
        return tokens
    if principal.user_id is None:
        return tokens.none()
    return tokens.filter(user_id=principal.user_id)


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= clock.now():
        return "expired"
    return "active"


def token_as_dict(token: ApiToken) -> dict[str, Any]:
    """A token as every interface shows it: never the secret, never the hash."""
    return {
        "id": token.public_id,
        "name": token.name,
        "prefix": f"llt_{token.lookup_prefix}",
        "user": token.user.email,
        "scopes": sorted(str(scope) for scope in stored_scopes(token.scopes)),
        "clients": token.client_ids.split() if not token.all_clients else None,
        "status": token_status(token),
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
