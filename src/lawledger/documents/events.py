"""Audit events of the documents context (values namespaced "document.")."""

from __future__ import annotations

from enum import StrEnum


class DocumentEvent(StrEnum):
    UPLOADED = "document.uploaded"
    UPLOAD_REFUSED = "document.upload_refused"
    LISTED = "document.listed"
    VIEWED = "document.viewed"
    DOWNLOADED = "document.downloaded"
    DELETED = "document.deleted"
    MISSING_REPORTED = "document.missing_reported"
    SETTINGS_CHANGED = "document.settings_changed"
