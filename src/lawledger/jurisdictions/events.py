"""Audit event types of the jurisdiction packs (values namespaced "jurisdiction." and "notice.")."""

from __future__ import annotations

from enum import StrEnum


class JurisdictionEvent(StrEnum):
    DEFAULT_APPLIED = "jurisdiction.default_applied"
    PACK_VIEWED = "jurisdiction.pack_viewed"
    DUE_VIEWED = "jurisdiction.due_viewed"
    RETENTION_VIEWED = "jurisdiction.retention_viewed"
    UNCLAIMED_VIEWED = "jurisdiction.unclaimed_viewed"
    RESIDUAL_PAID = "jurisdiction.residual_paid"
    REGISTER_VIEWED = "jurisdiction.register_viewed"
    RECORDS_CHECKED = "jurisdiction.records_checked"
    REPORT_SHAPED = "jurisdiction.report_viewed"
    NOTICE_GENERATED = "notice.generated"
    NOTICE_VIEWED = "notice.viewed"
    NOTICES_LISTED = "notice.listed"
