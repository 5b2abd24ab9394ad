"""ABA Model Rules: the default pack for a firm in the United States.

Sources: ABA Model Rules of Professional Conduct, rule 1.15; ABA Model Rules for Client Trust
Account Records (2010), rules 1 and 2.
"""

from __future__ import annotations

from lawledger.core.jurisdictions.common import (
    US_UNCLAIMED_RECORDS,
    electronic_references,
    firm_defaults,
    monthly,
    payor_and_payee,
)
from lawledger.core.jurisdictions.model import (
    PAYMENTS,
    Pack,
    RecordField,
    RecordRequirement,
    ReportShape,
    Retention,
    RetentionStart,
    RuleRef,
    UnclaimedKind,
    UnclaimedRule,
)

RECORDS = "ABA Model Rules for Client Trust Account Records, rule 1(a)"

PACK = Pack(
    code="aba", name="ABA Model Rules (United States default)", regulator="the state bar",
    cadences=(monthly("monthly_three_way", "Monthly three-way reconciliation",
                      "ABA Model Rules for Client Trust Account Records, rule 1 (reconciliations; "
                      "the model brackets the frequency, lawledger applies monthly)"),),
    report_shape=ReportShape.THREE_WAY,
    report_title="Three-way reconciliation of the client trust account",
    retention=Retention(5, RetentionStart.END_OF_REPRESENTATION,
                        "ABA Model Rule 1.15(a); Model Rules for Client Trust Account Records, "
                        "rule 1"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY, destination="State unclaimed property administrator",
        purpose="unclaimed client funds remitted under the state's unclaimed property law",
        source="the state's unclaimed property law (the Model Rules set no period)",
        records=US_UNCLAIMED_RECORDS),
    records=(*payor_and_payee(RECORDS),
             RecordRequirement(RecordField.PURPOSE, PAYMENTS, RECORDS),
             electronic_references("ABA Model Rules for Client Trust Account Records, rule 1(h)")),
    rules=(
        RuleRef("reconciliation", "Reconcile each trust account every month: bank statement, "
                "trust journal and client ledgers (three-way).",
                "Model Rules for Client Trust Account Records, rule 1"),
        RuleRef("retention", "Keep trust records five years after the representation ends.",
                "Model Rule 1.15(a)"),
        RuleRef("records", "Each deposit records its source; each disbursement its payee and "
                "purpose; each electronic transfer the bank's confirmation.",
                "Model Rules for Client Trust Account Records, rule 1(a), 1(h)"),
        RuleRef("bank_charges", "The lawyer's own money in trust only pays bank charges: lawledger "
                "takes bank charges from the firm-funds ledger, never a client ledger.",
                "Model Rule 1.15(b)"),
    ),
    defaults=firm_defaults("USD", "UTC", inactive_balance_months=24),
)
