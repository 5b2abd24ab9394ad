"""California: Rules of Professional Conduct, rule 1.15, and the State Bar's record standards."""

from __future__ import annotations

from lawledger.core.jurisdictions.common import (
    US_UNCLAIMED_RECORDS,
    check_numbers,
    firm_defaults,
    monthly,
    payor_and_payee,
)
from lawledger.core.jurisdictions.model import (
    NoticeKind,
    NoticeRule,
    Pack,
    ReportShape,
    Retention,
    RetentionStart,
    RuleRef,
    UnclaimedKind,
    UnclaimedRule,
)

STANDARDS = "rule 1.15(e), Standards (1)"

PACK = Pack(
    code="ca", name="California (rule 1.15)", regulator="State Bar of California",
    cadences=(monthly("monthly_reconciliation",
                      "Monthly reconciliation of client ledgers, account journal and bank "
                      "statements", "rule 1.15(e), Standard (1)(d)"),),
    report_shape=ReportShape.THREE_WAY,
    report_title="Monthly reconciliation (balancing) of the client trust account",
    retention=Retention(5, RetentionStart.FINAL_DISTRIBUTION,
                        "rule 1.15(e), Standard (2) (five years after final appropriate "
                        "distribution)"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY, destination="California State Controller (unclaimed "
        "property)", purpose="unclaimed client funds remitted under the Unclaimed Property Law",
        source="Code of Civil Procedure s. 1513 (three years)", after_months=36,
        records=US_UNCLAIMED_RECORDS),
    records=(*payor_and_payee(STANDARDS), check_numbers(STANDARDS)),
    notices=(NoticeRule(NoticeKind.RECEIPT, "Notice of receipt of funds held in trust",
                        "Absent good cause, the client is notified in writing no later than 14 "
                        "days after the firm receives funds in which the client has an "
                        "interest.", "rule 1.15(d)(1)", 14),),
    rules=(
        RuleRef("reconciliation", "Balance the client ledgers, the account journal and the bank "
                "statements every month.", "rule 1.15(e), Standard (1)(d)"),
        RuleRef("retention", "Keep the records five years after the final appropriate "
                "distribution of the funds.", "rule 1.15(e), Standard (2)"),
        RuleRef("notice_of_receipt", "Notify the client of funds received within 14 days.",
                "rule 1.15(d)(1)"),
    ),
    defaults=firm_defaults("USD", "America/Los_Angeles", inactive_balance_months=36),
)
