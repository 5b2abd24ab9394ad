"""New South Wales and Victoria: the Legal Profession Uniform Law and the Uniform General Rules
2015 (trust records, monthly reconciliation within 15 working days, trust account statements)."""

from __future__ import annotations

from lawledger.core.jurisdictions.common import firm_defaults, payor_and_payee
from lawledger.core.jurisdictions.model import (
    PAYMENTS,
    Cadence,
    Deadline,
    DeadlineKind,
    NoticeKind,
    NoticeRule,
    Pack,
    Period,
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
    code="nsw", name="New South Wales / Victoria (Uniform General Rules 2015)",
    regulator="Law Society of New South Wales / Victorian Legal Services Board",
    cadences=(Cadence("monthly_reconciliation_statements", "Monthly reconciliation statements",
                      Period.MONTH, Deadline(DeadlineKind.WORKING_DAYS_AFTER, 15),
                      "Uniform General Rules 2015, rule 48(3)"),),
    report_shape=ReportShape.NSW_STATEMENTS,
    report_title="Trust account reconciliation statements (Uniform General Rules 2015, rule 48)",
    retention=Retention(7, RetentionStart.LAST_TRANSACTION,
                        "Legal Profession Uniform Law s. 147 (trust records kept seven years "
                        "after the last transaction in the record)"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY,
        destination="Treasurer of New South Wales (Consolidated Fund)",
        purpose="unclaimed trust money paid to the Treasurer",
        source="Legal Profession Uniform Law s. 167; Legal Profession Uniform Law Application "
               "Act 2014 (NSW) s. 14",
        records=("the person entitled", "last known address", "the attempts made to locate "
                 "them", "amount", "date paid")),
    records=(*payor_and_payee("Uniform General Rules 2015, Part 4.2"),
             RecordRequirement(RecordField.PURPOSE, PAYMENTS,
                               "Uniform General Rules 2015, Part 4.2")),
    notices=(NoticeRule(NoticeKind.TRUST_STATEMENT, "Trust account statement",
                        "A statement of each trust ledger account after 30 June each year (and "
                        "when the matter is completed), unless rule 52(5) excuses it.",
                        "Uniform General Rules 2015, rule 52", 31),),
    rules=(
        RuleRef("reconciliation", "Reconcile each general trust account as at the end of each "
                "month in two statements, prepared within 15 working days.",
                "Uniform General Rules 2015, rule 48"),
        RuleRef("trust_statements", "Give each person for whom trust money is held a trust "
                "account statement after 30 June each year and on completion of the matter.",
                "Uniform General Rules 2015, rule 52"),
        RuleRef("retention", "Keep trust records seven years.", "Legal Profession Uniform Law "
                "s. 147"),
    ),
    defaults=firm_defaults("AUD", "Australia/Sydney", inactive_balance_months=24),
)
