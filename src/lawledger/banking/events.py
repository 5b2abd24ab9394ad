"""Audit event types of the banking context (values namespaced "bank." and "reconciliation.")."""

from __future__ import annotations

from enum import StrEnum


class BankingEvent(StrEnum):
    STATEMENT_IMPORTED = "bank.statement_imported"
    STATEMENT_DUPLICATE = "bank.statement_duplicate"
    LINES_VIEWED = "bank.lines_viewed"
    MATCHES_PROPOSED = "bank.matches_proposed"
    MATCH_CONFIRMED = "bank.match_confirmed"
    MATCH_MADE_BY_HAND = "bank.match_made_by_hand"
    MATCH_UNDONE = "bank.match_undone"
    BANK_ONLY_PROPOSED = "bank.bank_only_proposed"
    BANK_ONLY_POSTED = "bank.bank_only_posted"
    BANK_ONLY_DISMISSED = "bank.bank_only_dismissed"
    CSV_PROFILE_SAVED = "bank.csv_profile_saved"
    SETTINGS_CHANGED = "bank.settings_changed"
    OVERVIEW_VIEWED = "bank.overview_viewed"
    RECONCILIATION_VIEWED = "reconciliation.viewed"
    RECONCILIATION_DRAFTED = "reconciliation.drafted"
    RECONCILIATION_SIGNED = "reconciliation.signed"
    RECONCILIATION_DOWNLOADED = "reconciliation.downloaded"
