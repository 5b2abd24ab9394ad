"""Washington: RPC 1.15A (safeguarding property) and RPC 1.15B (required trust account records)."""

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
    RECEIPTS,
    TRANSFERS,
    NoticeKind,
    NoticeRule,
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
    code="wa", name="Washington (RPC 1.15A, 1.15B)", regulator="Washington State Bar Association",
    cadences=(monthly("monthly_three_way", "Monthly three-way reconciliation",
                      "RPC 1.15B(a)(8)"),),
    report_shape=ReportShape.THREE_WAY,
    report_title="Monthly reconciliation of the trust account (RPC 1.15B(a)(8))",
    retention=Retention(7, RetentionStart.RECORD_DATE,
                        "RPC 1.15B(a) (kept at least seven years after the events they record)"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY,
        destination="Washington Department of Revenue (unclaimed property)",
        purpose="unclaimed client funds remitted under the Uniform Unclaimed Property Act",
        source="RCW 63.30 (three years without contact)", after_months=36,
        records=US_UNCLAIMED_RECORDS),
    records=(*payor_and_payee("RPC 1.15B(a)(1)(iv), (a)(2)(iv)"),
             check_numbers("RPC 1.15B(a)(1)(iii)"),
             RecordRequirement(RecordField.PURPOSE, PAYMENTS, "RPC 1.15B(a)(2)(i)"),
             RecordRequirement(RecordField.EXPLANATION, RECEIPTS | TRANSFERS,
                               "RPC 1.15B(a)(2)(i) (the purpose of a receipt or transfer, kept "
                               "in its memo)")),
    notices=(NoticeRule(NoticeKind.ANNUAL_ACCOUNTING, "Annual accounting of funds held in trust",
                        "At least once a year, a written accounting to each client or third "
                        "person for whom the firm holds funds.", "RPC 1.15A(e)", 365),),
    rules=(
        RuleRef("reconciliation", "Reconcile each trust account monthly: the check register to "
                "the bank statement and to the total of the client ledgers.", "RPC 1.15B(a)(8)"),
        RuleRef("retention", "Keep trust records seven years after the events they record.",
                "RPC 1.15B(a)"),
        RuleRef("uncleared_funds", "No disbursement before the deposit has cleared the banking "
                "process and been collected: a firm choosing this pack holds (refuses) such "
                "disbursements unless it set its own policy.", "RPC 1.15A(h)(2)"),
        RuleRef("records", "The check register and client ledgers name the matter, date, check "
                "number, payor or payee, purpose and new balance of every entry.",
                "RPC 1.15B(a)(1), (a)(2)"),
        RuleRef("annual_accounting", "A written accounting at least annually to each client for "
                "whom funds are held.", "RPC 1.15A(e)"),
    ),
    defaults=firm_defaults("USD", "America/Los_Angeles", inactive_balance_months=36, uncleared_funds="hold"),
)
