"""Audit events of key management beyond the foundation's (keys.created, keys.rotated)."""

from __future__ import annotations

from enum import StrEnum


class KeyEvent(StrEnum):
    KEY_REMOVED = "keys.removed"
    KEYS_LISTED = "keys.listed"
    KEYS_VERIFIED = "keys.verified"
