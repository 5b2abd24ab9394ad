"""Refusals of key management, each with a stable code (CLI exit 1)."""

from __future__ import annotations

from lawledger.core.errors import NotFound, RuleViolation


class KeyInUse(RuleViolation):
    code = "key_in_use"


class KeyIsPrimary(RuleViolation):
    code = "key_is_primary"


class UnknownKey(NotFound):
    code = "unknown_key"
