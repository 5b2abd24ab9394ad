"""Audit events of sign-in, second factors and sessions."""

from __future__ import annotations

from enum import StrEnum


class AuthEvent(StrEnum):
    LOGIN_LOCKED_OUT = "auth.locked_out"
    MFA_VERIFIED = "auth.mfa_verified"
    MFA_FAILED = "auth.mfa_failed"
    MFA_STEP_UP = "auth.mfa_step_up"
    TOTP_ENROLLED = "auth.totp_enrolled"
    RECOVERY_CODES_ISSUED = "auth.recovery_codes_issued"
    RECOVERY_CODE_USED = "auth.recovery_code_used"
    PASSKEY_REGISTERED = "auth.passkey_registered"
    SESSION_EXPIRED = "auth.session_expired"
    SESSIONS_ENDED = "auth.sessions_ended"
