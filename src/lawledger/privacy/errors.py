"""Refusals of the privacy app, each with a stable code."""

from __future__ import annotations

from lawledger.core.errors import NotFound, RuleViolation


class MatterOnLegalHold(RuleViolation):
    code = "legal_hold"


class HoldNotActive(RuleViolation):
    code = "no_active_hold"


class NoConsent(RuleViolation):
    code = "no_consent"


class UnknownAlert(NotFound):
    code = "unknown_alert"
