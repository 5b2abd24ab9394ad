"""The banking context's refusals, each with a stable code (see lawledger.core.errors)."""

from __future__ import annotations

from lawledger.core.errors import Conflict, InvalidInput, RuleViolation


class StatementTooLarge(InvalidInput):
    code = "statement_too_large"
    http_status = 413


class StatementAccountMismatch(RuleViolation):
    """The file is a statement of another bank account than the one named."""

    code = "statement_account_mismatch"


class StatementCurrencyMismatch(RuleViolation):
    code = "statement_currency_mismatch"


class MatchUnbalanced(InvalidInput):
    """A match by hand whose bank lines and entries do not move the same money."""

    code = "match_unbalanced"


class AlreadyMatched(Conflict):
    code = "already_matched"


class MatchNotLive(Conflict):
    code = "match_not_live"


class ReconciliationUnbalanced(RuleViolation):
    code = "reconciliation_unbalanced"


class ProposalNotOpen(Conflict):
    code = "proposal_not_open"
