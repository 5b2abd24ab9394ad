"""What a bar-rule pack is made of: plain, frozen data that the pure functions beside it read.

A pack says, for one jurisdiction: how often each trust account is reconciled and by when
(`Cadence`), how long trust records are kept and from which event the period runs (`Retention`),
what happens to money nobody claims (`UnclaimedRule`), which notices clients must be sent
(`NoticeRule`), which fields every trust record must carry (`RecordRequirement`), the shape and
wording of its reconciliation report (`ReportShape`), the firm settings it changes when a firm
chooses it, and every rule it enforces with its source (`RuleRef`). No Django, no I/O: the
services read these values; tests prove them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from lawledger.core.calendar import add_business_days


class Period(StrEnum):
    MONTH = "month"            # ends on the last day of each calendar month
    QUARTER = "quarter"        # ends on 31 March, 30 June, 30 September, 31 December
    FIVE_WEEKS = "five_weeks"  # rolling: at most 35 days after the last reconciliation


class DeadlineKind(StrEnum):
    END_OF_NEXT_MONTH = "end_of_next_month"    # done before the following month ends
    DAY_OF_NEXT_MONTH = "day_of_next_month"    # by day N of the following month (Ontario: 25)
    WORKING_DAYS_AFTER = "working_days_after"  # within N working days (NSW: 15)
    AT_PERIOD_END = "at_period_end"            # the period end is itself the deadline (SRA)


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    days: int = 0

    def due_on(self, period_end: dt.date, holidays: Collection[dt.date] = ()) -> dt.date:
        """The last day on which the reconciliation of the period ending `period_end` is on time."""
        if self.kind is DeadlineKind.AT_PERIOD_END:
            return period_end
        if self.kind is DeadlineKind.WORKING_DAYS_AFTER:
            return add_business_days(period_end, self.days, holidays)
        year, month = next_month(period_end.year, period_end.month)
        if self.kind is DeadlineKind.DAY_OF_NEXT_MONTH:
            return dt.date(year, month, min(self.days, month_length(year, month)))
        return dt.date(year, month, month_length(year, month))

    def describe(self) -> str:
        if self.kind is DeadlineKind.AT_PERIOD_END:
            return "by the end of the period"
        if self.kind is DeadlineKind.WORKING_DAYS_AFTER:
            return f"within {self.days} working days after the period ends"
        if self.kind is DeadlineKind.DAY_OF_NEXT_MONTH:
            return f"by day {self.days} of the following month"
        return "before the following month ends"


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_length(year: int, month: int) -> int:
    following_year, following = next_month(year, month)
    return (dt.date(following_year, following, 1) - dt.timedelta(days=1)).day


@dataclass(frozen=True, slots=True)
class Cadence:
    """One reconciliation duty: its stable `kind`, the period it covers and when it is due."""

    kind: str
    label: str
    period: Period
    deadline: Deadline
    source: str


class ReportShape(StrEnum):
    THREE_WAY = "three_way"                # bank, journal, client ledgers (US states)
    NC_FORM = "nc_form"                    # the North Carolina State Bar form, lines 1 to 7
    SRA_STATEMENT = "sra_statement"        # the SRA client account reconciliation statement
    TRUST_COMPARISON = "trust_comparison"  # Ontario's monthly trust comparison
    NSW_STATEMENTS = "nsw_statements"      # the two statements of UGR rule 48(2)


class RetentionStart(StrEnum):
    RECORD_DATE = "record_date"                          # the event the record records
    END_OF_REPRESENTATION = "end_of_representation"      # the matter's closing date
    FINAL_DISTRIBUTION = "final_distribution"            # the day the last money was paid out
    LAST_TRANSACTION = "last_transaction"                # the last entry on the same record
    END_OF_FISCAL_YEAR = "end_of_fiscal_year"            # the end of the record's fiscal year


@dataclass(frozen=True, slots=True)
class Retention:
    years: int
    runs_from: RetentionStart
    source: str

    def describe(self) -> str:
        start = {
            RetentionStart.RECORD_DATE: "after the event each record records",
            RetentionStart.END_OF_REPRESENTATION: "after the representation ends",
            RetentionStart.FINAL_DISTRIBUTION: "after the final distribution of the funds",
            RetentionStart.LAST_TRANSACTION: "after the last transaction in the record",
            RetentionStart.END_OF_FISCAL_YEAR: "plus the current year (to the end of the tenth "
                                               "fiscal year after the record's)",
        }[self.runs_from]
        return f"{self.years} years {start}"


class UnclaimedKind(StrEnum):
    REMIT_TO_AUTHORITY = "remit_to_authority"  # paid to a public fund or administrator
    CHARITY = "charity"                        # residual balances to a charity (SRA)


@dataclass(frozen=True, slots=True)
class UnclaimedRule:
    kind: UnclaimedKind
    destination: str              # the payee when the firm names none
    purpose: str                  # recorded as the disbursement's purpose
    source: str
    after_months: int | None = None               # inactivity required; None: no minimum
    without_authorisation_max_minor: int | None = None  # a larger balance needs authorisation
    threshold_currency: str = ""
    authority: str = ""           # who authorises a larger payment
    records: tuple[str, ...] = ()  # what the register must keep for each payment


class NoticeKind(StrEnum):
    RECEIPT = "receipt"                      # notice of receipt of funds (California)
    ANNUAL_ACCOUNTING = "annual_accounting"  # annual accounting of funds held (Washington)
    TRUST_STATEMENT = "trust_statement"      # trust account statement (NSW / Victoria)


@dataclass(frozen=True, slots=True)
class NoticeRule:
    kind: NoticeKind
    title: str
    summary: str
    source: str
    within_days: int  # receipt: days after the receipt; statements: days after the period


class RecordField(StrEnum):
    PAYOR = "payor"
    PAYEE = "payee"
    PURPOSE = "purpose"
    CHECK_NUMBER = "check_number"
    REFERENCE = "reference"
    MATTER = "matter"
    EXPLANATION = "memo"  # a transfer's explanation is kept in its memo


RECEIPTS = frozenset({"deposit"})
PAYMENTS = frozenset({"disbursement", "refund", "earned_fee"})
TRANSFERS = frozenset({"transfer"})
ELECTRONIC_METHODS = frozenset({"wire", "ach", "eft"})


@dataclass(frozen=True, slots=True)
class RecordRequirement:
    """Entries of `kinds` (paid by one of `methods`, when given) must carry `field`."""

    field: RecordField
    kinds: frozenset[str]
    source: str
    methods: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RuleRef:
    """One rule a pack enforces or reports on: a stable key, what it says, where it comes from."""

    key: str
    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Pack:
    code: str
    name: str
    regulator: str
    cadences: tuple[Cadence, ...]
    report_shape: ReportShape
    report_title: str
    retention: Retention
    unclaimed: UnclaimedRule
    records: tuple[RecordRequirement, ...]
    rules: tuple[RuleRef, ...]
    notices: tuple[NoticeRule, ...] = ()
    # Firm settings this pack sets when chosen, unless the firm has set them itself.
    defaults: tuple[tuple[str, str], ...] = ()

    def default_settings(self) -> dict[str, str]:
        return dict(self.defaults)

    def notice(self, kind: NoticeKind) -> NoticeRule | None:
        return next((rule for rule in self.notices if rule.kind is kind), None)

    def rule(self, key: str) -> RuleRef:
        return next(rule for rule in self.rules if rule.key == key)
