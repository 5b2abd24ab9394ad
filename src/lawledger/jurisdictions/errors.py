"""The jurisdiction packs' refusals, each with a stable code (see lawledger.core.errors)."""

from __future__ import annotations

from lawledger.core.errors import RuleViolation


class UnclaimedTooRecent(RuleViolation):
    """The money has not been held long enough without activity to be paid away as unclaimed."""

    code = "unclaimed_too_recent"


class ResidualNeedsAuthorisation(RuleViolation):
    """A residual balance above the pack's threshold needs the regulator's authorisation first."""

    code = "residual_balance_needs_authorisation"


class NothingToPay(RuleViolation):
    code = "nothing_to_pay"


class NoticeNotInJurisdiction(RuleViolation):
    """The firm's jurisdiction has no such client notice."""

    code = "notice_not_in_jurisdiction"


class NoticeNotApplicable(RuleViolation):
    """The notice does not fit this matter or entry (no funds held, not a receipt, …)."""

    code = "notice_not_applicable"
