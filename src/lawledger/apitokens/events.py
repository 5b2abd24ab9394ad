"""Audit events of API tokens and of API requests (values namespaced, unique across the apps)."""

from __future__ import annotations

from enum import StrEnum


class TokenEvent(StrEnum):
    TOKEN_CREATED = "api_token.created"
    TOKEN_REVOKED = "api_token.revoked"
    TOKEN_REFUSED = "api_token.refused"      # a presented token that did not authenticate
    API_REQUEST = "api.request"              # one per authenticated API request, in its transaction
