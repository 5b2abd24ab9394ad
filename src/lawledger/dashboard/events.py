"""Audit event types of the staff dashboard and search (values namespaced "web.")."""

from __future__ import annotations

from enum import StrEnum


class WebEvent(StrEnum):
    DASHBOARD_VIEWED = "web.dashboard_viewed"
    SEARCHED = "web.searched"
