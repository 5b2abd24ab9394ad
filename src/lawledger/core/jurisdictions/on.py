"""Ontario: Law Society of Ontario By-Law 9 (financial transactions and records) and the Law
Society Act's unclaimed trust fund."""

from __future__ import annotations

from lawledger.core.jurisdictions.common import firm_defaults, payor_and_payee
from lawledger.core.jurisdictions.model import (
    TRANSFERS,
    Cadence,
    Deadline,
    DeadlineKind,
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
    code="on", name="Ontario (By-Law 9)", regulator="Law Society of Ontario",
    cadences=(Cadence("monthly_trust_comparison", "Monthly trust reconciliation and comparison",
                      Period.MONTH, Deadline(DeadlineKind.DAY_OF_NEXT_MONTH, 25),
                      "By-Law 9, s. 18 (monthly trust comparison), s. 22 (by the 25th day of "
                      "the following month)"),),
    report_shape=ReportShape.TRUST_COMPARISON,
    report_title="Monthly trust reconciliation and comparison (By-Law 9)",
    retention=Retention(10, RetentionStart.END_OF_FISCAL_YEAR,
                        "By-Law 9, s. 23 (trust records: the ten preceding years plus the "
                        "current year)"),
    unclaimed=UnclaimedRule(
        UnclaimedKind.REMIT_TO_AUTHORITY,
        destination="Law Society of Ontario (Unclaimed Trust Fund)",
        purpose="unclaimed trust money paid to the Law Society's unclaimed trust fund",
        source="Law Society Act, s. 59.6 (held at least two years)", after_months=24,
        records=("the person entitled", "last known address", "the reasonable efforts made to "
                 "locate them", "amount", "date paid")),
    records=(*payor_and_payee("By-Law 9, s. 18, paras. 1-2"),
             RecordRequirement(RecordField.EXPLANATION, TRANSFERS,
                               "By-Law 9, s. 18, para. 4 (the purpose of each transfer between "
                               "clients' trust ledger accounts)")),
    rules=(
        RuleRef("trust_comparison", "Each month compare the reconciled trust bank balances with "
                "the total of the clients' trust ledger balances, with reasons for any "
                "difference, by the 25th day of the following month.", "By-Law 9, ss. 18, 22"),
        RuleRef("retention", "Keep trust records for the ten preceding years plus the current "
                "year.", "By-Law 9, s. 23"),
        RuleRef("unclaimed", "Money held in trust for two years whose owner cannot be found may "
                "be paid to the Law Society's unclaimed trust fund; the client trust listing "
                "shows each ledger's last activity.", "Law Society Act, s. 59.6"),
    ),
    defaults=firm_defaults("CAD", "America/Toronto", inactive_balance_months=24),
)
