"""Refusals of API authentication and authorization, each with a stable code."""

from __future__ import annotations

from lawledger.core.errors import EXIT_RULE, LawLedgerError, PermissionDenied


class AuthenticationFailed(LawLedgerError):
    """No usable credential: the API answers 401."""

    code = "authentication_required"
    http_status = 401
    exit_status = EXIT_RULE


class InvalidToken(AuthenticationFailed):
    code = "invalid_token"


class TokenExpired(AuthenticationFailed):
    code = "token_expired"


class TokenRevoked(AuthenticationFailed):
    code = "token_revoked"


class InsufficientScope(PermissionDenied):
    """The token was not granted the scope this operation needs."""

    code = "insufficient_scope"


class ClientLimited(PermissionDenied):
    """A token limited to some clients asked for something firm-wide."""

    code = "token_limited_to_clients"
