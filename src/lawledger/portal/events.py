"""The portal's audit events (values namespaced "portal."), written by its services and queries."""

from __future__ import annotations

from enum import StrEnum


class PortalEvent(StrEnum):
    INVITATION_CREATED = "portal.invitation_created"
    INVITATION_ACCEPTED = "portal.invitation_accepted"
    INVITATION_REFUSED = "portal.invitation_refused"
    OVERVIEW_VIEWED = "portal.overview_viewed"
    MATTER_VIEWED = "portal.matter_viewed"
    INVOICE_VIEWED = "portal.invoice_viewed"
    STATEMENT_EXPORTED = "portal.statement_exported"
    MESSAGE_SENT = "portal.message_sent"
    MESSAGES_VIEWED = "portal.messages_viewed"
    INBOX_VIEWED = "portal.inbox_viewed"
