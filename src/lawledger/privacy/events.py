"""Audit events of the privacy app (alerts, legal holds, consents, client data exports)."""

from __future__ import annotations

from enum import StrEnum


class PrivacyEvent(StrEnum):
    ALERT_RAISED = "alert.raised"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    ALERTS_VIEWED = "alert.viewed"
    HOLD_PLACED = "hold.placed"
    HOLD_RELEASED = "hold.released"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_REVOKED = "consent.revoked"
    CONSENT_CHECKED = "consent.checked"
    CLIENT_DATA_EXPORTED = "privacy.client_exported"
    LEDGER_EXPORTED_REDACTED = "privacy.ledger_exported"
