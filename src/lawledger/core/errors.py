"""One error type per rule, each with a stable code, an HTTP status and a CLI exit status.

Interfaces turn these into `{"error": {"code", "message", "param"}}` (API), an exit status and a
line on stderr (CLI), or a form message (web). A refused rule exits 1; bad input exits 2.
"""

from __future__ import annotations

EXIT_RULE = 1
EXIT_INPUT = 2


class LawLedgerError(Exception):
    """Base of every expected refusal. Anything else escaping a service is a bug."""

    code = "error"
    http_status = 400
    exit_status = EXIT_INPUT

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "param": self.param}


class InvalidInput(LawLedgerError):
    """Malformed input: a field that does not parse, is missing, or is out of range."""

    code = "invalid_input"
    http_status = 422
    exit_status = EXIT_INPUT


class NotFound(LawLedgerError):
    """Missing or forbidden: the two are deliberately indistinguishable (existence must not leak)."""

    code = "not_found"
    http_status = 404
    exit_status = EXIT_INPUT


class Conflict(LawLedgerError):
    """The input is well formed but collides with what exists (a duplicate number, say)."""

    code = "conflict"
    http_status = 409
    exit_status = EXIT_INPUT


class RuleViolation(LawLedgerError):
    """A trust-accounting or security rule refuses the request."""

    code = "rule_violation"
    http_status = 409
    exit_status = EXIT_RULE


class PermissionDenied(RuleViolation):
    """The actor may see the object but not do this to it (e.g. an attorney disbursing)."""

    code = "permission_denied"
    http_status = 403


class ClientLedgerOverdraft(RuleViolation):
    code = "client_ledger_overdraft"


class FirmLedgerOverdraft(RuleViolation):
    code = "firm_ledger_overdraft"


class UnclearedFunds(RuleViolation):
    code = "uncleared_funds"


class PeriodLocked(RuleViolation):
    code = "period_locked"


class IdempotencyKeyReused(RuleViolation):
    code = "idempotency_key_reused"
    http_status = 422


class DuplicateCheckNumber(RuleViolation):
    code = "duplicate_check_number"


class CurrencyMismatch(RuleViolation):
    code = "currency_mismatch"


class MatterNotClosable(RuleViolation):
    code = "matter_has_trust_balance"


class AlreadyReversed(RuleViolation):
    code = "entry_already_reversed"


class UnbalancedEntry(RuleViolation):
    """A journal entry whose postings do not sum to zero per currency (I1): always a bug upstream."""

    code = "unbalanced_entry"


class AuditFailure(LawLedgerError):
    """The audit record could not be written, so the action (or read) did not happen."""

    code = "audit_failure"
    http_status = 503
    exit_status = EXIT_RULE


class DecryptionFailed(LawLedgerError):
    """Ciphertext that does not authenticate: a wrong key, a tampered or swapped value."""

    code = "decryption_failed"
    http_status = 500
    exit_status = EXIT_RULE
