"""England and Wales: the SRA Accounts Rules 2019, and the SRA's prescribed circumstances for
paying residual client balances away."""

from __future__ import annotations

from lawledger.core.jurisdictions.common import firm_defaults, payor_and_payee
from lawledger.core.jurisdictions.model import (
    Cadence,
    Deadline,
    DeadlineKind,
    Pack,
    Period,
    ReportShape,
    Retention,
    RetentionStart,
    RuleRef,
    UnclaimedKind,
    UnclaimedRule,
)

RESIDUAL = ("SRA Accounts Rules 2019 rule 5.1(c); the SRA's prescribed circumstances for "
            "withdrawing residual client balances (up to £500)")

PACK = Pack(
    code="ew", name="England and Wales (SRA Accounts Rules 2019)",
    regulator="Solicitors Regulation Authority",
    cadences=(Cadence("five_weekly_reconciliation", "Client account reconciliation at least every "
                      "five weeks", Period.FIVE_WEEKS, Deadline(DeadlineKind.AT_PERIOD_END),
                      "SRA Accounts Rules 2019 rule 8.3"),),
    report_shape=ReportShape.SRA_STATEMENT,
    report_title="Client account reconciliation statement (SRA Accounts Rules 2019, rule 8.3)",
    retention=Retention(6, RetentionStart.RECORD_DATE,
                        "SRA Accounts Rules 2019 rule 8; six years, as the SRA expects and the "
                        "2011 rules (rule 29.17) required"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.CHARITY, destination="",
        purpose="residual client balance paid to charity", source=RESIDUAL,
        without_authorisation_max_minor=50_000, threshold_currency="GBP", authority="the SRA",
        records=("the owner of the money", "the amount", "the charity and its registered number",
                 "the date of payment", "the steps taken to return the money to its owner")),
    records=payor_and_payee("SRA Accounts Rules 2019 rule 8.1(a)"),
    rules=(
        RuleRef("reconciliation", "Obtain bank statements and reconcile the client account with "
                "the client cash book and the client ledgers at least every five weeks.",
                "SRA Accounts Rules 2019 rule 8.3"),
        RuleRef("residual_balances", "A residual balance of up to £500 may be paid to a charity "
                "with the records the SRA requires; above £500 only with the SRA's "
                "authorisation, whose reference is recorded.", RESIDUAL),
        RuleRef("no_banking_facility", "The client account is no banking facility: every entry "
                "belongs to a matter the firm acts in.", "SRA Accounts Rules 2019 rule 3.3"),
        RuleRef("retention", "Keep the accounting records six years.",
                "SRA Accounts Rules 2019 rule 8"),
    ),
    defaults=firm_defaults("GBP", "Europe/London", inactive_balance_months=24),
)
