"""North Carolina: Rules of Professional Conduct 1.15-2 and 1.15-3.

Three duties with their own periods: the monthly two-way reconciliation (the trust account
balance to the bank statement), the quarterly three-way reconciliation (with the client ledgers),
and the quarterly review of randomly chosen transactions. The report is the State Bar's form.
"""

from __future__ import annotations

from lawledger.core.jurisdictions.common import (
    END_OF_NEXT_MONTH,
    US_UNCLAIMED_RECORDS,
    firm_defaults,
    monthly,
    payor_and_payee,
)
from lawledger.core.jurisdictions.model import (
    Cadence,
    Pack,
    Period,
    ReportShape,
    Retention,
    RetentionStart,
    RuleRef,
    UnclaimedKind,
    UnclaimedRule,
)

PACK = Pack(
    code="nc", name="North Carolina (rules 1.15-2, 1.15-3)", regulator="North Carolina State Bar",
    cadences=(
        Cadence("quarterly_three_way", "Quarterly three-way reconciliation", Period.QUARTER,
                END_OF_NEXT_MONTH, "rule 1.15-3(d)(1)"),
        Cadence("quarterly_review", "Quarterly review of randomly selected transactions",
                Period.QUARTER, END_OF_NEXT_MONTH, "rule 1.15-3(i)"),
        monthly("monthly_two_way", "Monthly reconciliation of the trust account balance with "
                "the bank statement", "rule 1.15-3(d)(2)"),
    ),
    report_shape=ReportShape.NC_FORM, report_title="North Carolina State Bar Reconciliation Report",
    retention=Retention(6, RetentionStart.RECORD_DATE, "rule 1.15-3(g)"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY, destination="North Carolina Department of State "
        "Treasurer (unclaimed property)", purpose="unclaimed client funds escheated under "
        "chapter 116B of the General Statutes", source="N.C. Gen. Stat. chapter 116B",
        records=US_UNCLAIMED_RECORDS),
    records=payor_and_payee("rule 1.15-3(b)(1)-(3)"),
    rules=(
        RuleRef("monthly_reconciliation", "Each month, reconcile the trust account balance in the "
                "lawyer's records with the bank statement (form lines 2 to 7).",
                "rule 1.15-3(d)(2)"),
        RuleRef("quarterly_reconciliation", "Each quarter, reconcile the client ledger balances "
                "too (the entire form, line 1 included).", "rule 1.15-3(d)(1)"),
        RuleRef("quarterly_review", "Each quarter, review at least three randomly chosen "
                "transactions.", "rule 1.15-3(i)"),
        RuleRef("retention", "Keep the records six years.", "rule 1.15-3(g)"),
    ),
    defaults=firm_defaults("USD", "America/New_York", inactive_balance_months=24),
)
