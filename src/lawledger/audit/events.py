"""Audit event types: enumerations, never free strings (reason codes are data).

This module holds the events of the foundation and the ledger; other apps keep their own StrEnum
(e.g. `banking.events.BankingEvent`) so each bounded context owns its vocabulary. Values are
namespaced ("bank.imported") and must be unique across all of them.
"""

from __future__ import annotations

from enum import StrEnum


class Event(StrEnum):
    # firm, people and access
    FIRM_INITIALISED = "firm.initialised"
    FIRM_SETTING_CHANGED = "firm.setting_changed"
    USER_CREATED = "user.created"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_PASSWORD_SET = "user.password_set"
    USER_DEACTIVATED = "user.deactivated"
    LOGIN_SUCCEEDED = "auth.login_succeeded"
    LOGIN_FAILED = "auth.login_failed"
    LOGOUT = "auth.logout"
    CLIENT_CREATED = "client.created"
    CLIENT_VIEWED = "client.viewed"
    MATTER_OPENED = "matter.opened"
    MATTER_CLOSED = "matter.closed"
    MATTER_VIEWED = "matter.viewed"
    MATTERS_LISTED = "matter.listed"
    MATTER_ASSIGNED = "matter.assigned"
    MATTER_UNASSIGNED = "matter.unassigned"
    ETHICAL_WALL_RAISED = "wall.raised"
    ETHICAL_WALL_LOWERED = "wall.lowered"
    ACCESS_DENIED = "access.denied"
    RULE_REFUSED = "rule.refused"
    # trust ledger
    BANK_ACCOUNT_ADDED = "account.added"
    TRUST_ENTRY_POSTED = "trust.entry_posted"
    TRUST_ENTRY_REFUSED = "trust.entry_refused"
    TRUST_ENTRY_VIEWED = "trust.entry_viewed"
    CLIENT_LEDGER_VIEWED = "trust.ledger_viewed"
    TRUST_JOURNAL_VIEWED = "trust.journal_viewed"
    TRUST_REPORT_VIEWED = "trust.report_viewed"
    UNCLEARED_FUNDS_OVERRIDDEN = "trust.uncleared_override"
    PERIOD_LOCKED = "period.locked"
    EXPORT_CREATED = "export.created"
    # keys and maintenance
    DATA_KEY_CREATED = "keys.created"
    DATA_KEYS_ROTATED = "keys.rotated"
    DECRYPTION_FAILED = "keys.decryption_failed"
    MAINTENANCE_PURGE = "maintenance.purge"
    AUDIT_VERIFIED = "audit.verified"
    AUDIT_SEARCHED = "audit.searched"
