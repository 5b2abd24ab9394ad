"""Florida: Rules Regulating The Florida Bar, chapter 5 (rules 5-1.1 and 5-1.2)."""

from __future__ import annotations

from lawledger.core.jurisdictions.common import (
    US_UNCLAIMED_RECORDS,
    check_numbers,
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

PACK = Pack(
    code="fl", name="Florida (rules 5-1.1, 5-1.2)", regulator="The Florida Bar",
    cadences=(monthly("monthly_three_way", "Monthly reconciliation (three-way)",
                      "rule 5-1.2(c)(1)"),),
    report_shape=ReportShape.THREE_WAY,
    report_title="Monthly trust account reconciliation (rule 5-1.2)",
    retention=Retention(6, RetentionStart.END_OF_REPRESENTATION,
                        "rule 5-1.2(e) (six years after the final conclusion of the "
                        "representation)"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY, destination="Florida Department of Financial Services "
        "(unclaimed property)", purpose="unclaimed client funds remitted under chapter 717, "
        "Florida Statutes", source="Florida Statutes chapter 717 (five years)", after_months=60,
        records=US_UNCLAIMED_RECORDS),
    records=(*payor_and_payee("rule 5-1.2(b)"), check_numbers("rule 5-1.2(b)(3)"),
             RecordRequirement(RecordField.PURPOSE, PAYMENTS, "rule 5-1.2(b)")),
    rules=(
        RuleRef("reconciliation", "Reconcile monthly the journal, the bank statement and the "
                "client ledgers; the annual certificate filed with the Bar's fee statement rests "
                "on these reconciliations.", "rule 5-1.2(c)"),
        RuleRef("retention", "Keep trust records six years after the final conclusion of each "
                "representation.", "rule 5-1.2(e)"),
        RuleRef("shortage", "A shortage is replenished with the lawyer's own money and reported "
                "to the Bar at once: lawledger's reconciliation names it and sign-off is refused "
                "while it exists.", "rule 5-1.1(a)(1)(B)"),
    ),
    defaults=firm_defaults("USD", "America/New_York", inactive_balance_months=60),
)
