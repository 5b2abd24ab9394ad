"""The portal's refusals, each with a stable code (CLI exit 1 / HTTP 4xx)."""

from __future__ import annotations

from lawledger.core.errors import RuleViolation


class InvitationNotUsable(RuleViolation):
    """An invitation link that is unknown, already used, revoked or past its expiry.

    One message for all four, so a guessed or stolen link learns nothing about which it was."""

    code = "invitation_not_usable"
    http_status = 410
