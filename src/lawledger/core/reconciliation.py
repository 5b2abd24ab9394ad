"""The three-way reconciliation as arithmetic: pure values in, figures and reconciling items out.

    statement balance
  + deposits in transit      money-in entries dated ≤ D the bank had not shown by D
  − outstanding checks       money-out entries dated ≤ D the bank had not shown by D
  − bank-only lines          lines on the statement by D that the books do not have (a charge of
                             -15.00 on the bank only adds 15.00 back: the books never took it)
  = adjusted bank balance    must equal the trust journal balance on D,
                             which must equal the sum of the sub-ledgers on D (client ledgers and
                             the firm ledgers kept in trust: firm funds, interest, unidentified),
                             and no ledger may be negative.

Each difference is listed as a reconciling item, with its age: outstanding checks fall in the
30/60/90/180-day buckets and are stale after the firm's age; deposits in transit older than the
firm's alert age are flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class ItemType(StrEnum):
    DEPOSIT_IN_TRANSIT = "deposit_in_transit"
    OUTSTANDING_CHECK = "outstanding_check"
    BANK_ONLY = "bank_only"


AGING_BUCKETS: tuple[tuple[str, int], ...] = (
    ("0-30", 30), ("31-60", 60), ("61-90", 90), ("91-180", 180))
OVER_LAST_BUCKET = "over_180"


@dataclass(frozen=True, slots=True)
class OpenEntry:
    """A journal entry dated ≤ D that no bank line dated ≤ D accounts for (amount: bank's side)."""

    ref: str
    effective_date: dt.date
    amount_minor: int
    kind: str
    check_number: str = ""
    method: str = ""
    description: str = ""
    matter: str = ""


@dataclass(frozen=True, slots=True)
class OpenBankLine:
    """A bank line dated ≤ D that no journal entry dated ≤ D accounts for."""

    ref: str
    posted_on: dt.date
    amount_minor: int
    kind: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class LedgerBalance:
    kind: str                      # lawledger.core.ledger.AccountKind value of a sub-ledger
    label: str                     # matter number, or the firm ledger's name
    balance_minor: int             # natural balance on D (money held: positive)
    last_activity: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AgingRules:
    stale_check_days: int = 180
    transit_alert_days: int = 10


@dataclass(frozen=True, slots=True)
class Item:
    type: ItemType
    ref: str
    date: dt.date
    amount_minor: int              # signed as it affects the bank (+ in, - out)
    age_days: int
    kind: str
    check_number: str = ""
    method: str = ""
    description: str = ""
    matter: str = ""
    aging_bucket: str = ""
    is_stale: bool = False
    is_old: bool = False


@dataclass(frozen=True, slots=True)
class Figures:
    as_of: dt.date
    statement_balance_minor: int
    deposits_in_transit_minor: int
    outstanding_checks_minor: int      # a positive total of the money still to leave
    bank_only_minor: int               # signed total of the bank-only lines
    adjusted_bank_balance_minor: int
    journal_balance_minor: int
    client_ledgers_total_minor: int
    firm_ledgers_total_minor: int
    is_trust: bool
    items: tuple[Item, ...]
    negative_ledgers: tuple[LedgerBalance, ...]
    check_aging_minor: dict[str, int] = field(default_factory=dict)
    stale_checks_minor: int = 0
    old_deposits_in_transit_minor: int = 0

    @property
    def bank_to_books_difference_minor(self) -> int:
        return self.adjusted_bank_balance_minor - self.journal_balance_minor

    @property
    def ledgers_difference_minor(self) -> int:
        if not self.is_trust:
            return 0
        return self.journal_balance_minor - (self.client_ledgers_total_minor
                                             + self.firm_ledgers_total_minor)

    @property
    def balanced(self) -> bool:
        return (self.bank_to_books_difference_minor == 0 and self.ledgers_difference_minor == 0
                and not self.negative_ledgers)

    def problems(self) -> list[str]:
        """Why it does not balance, in words a bookkeeper can act on (empty when it does)."""
        found = []
        if self.bank_to_books_difference_minor:
            found.append("adjusted_bank_balance_differs_from_journal")
        if self.ledgers_difference_minor:
            found.append("journal_differs_from_sub_ledgers")
        if self.negative_ledgers:
            found.append("negative_ledger")
        return found


def aging_bucket(age_days: int) -> str:
    for name, limit in AGING_BUCKETS:
        if age_days <= limit:
            return name
    return OVER_LAST_BUCKET


def reconcile(*, as_of: dt.date, statement_balance_minor: int, journal_balance_minor: int,
              open_entries: Sequence[OpenEntry], open_bank_lines: Sequence[OpenBankLine],
              ledgers: Sequence[LedgerBalance], is_trust: bool,
              rules: AgingRules = AgingRules()) -> Figures:
    """The figures and reconciling items of one bank account on `as_of`."""
    items: list[Item] = []
    for entry in open_entries:
        if entry.effective_date > as_of:
            raise ValueError(f"entry {entry.ref} is dated after {as_of}")
        items.append(_entry_item(entry, as_of, rules))
    for line in open_bank_lines:
        if line.posted_on > as_of:
            raise ValueError(f"bank line {line.ref} is dated after {as_of}")
        items.append(Item(ItemType.BANK_ONLY, line.ref, line.posted_on, line.amount_minor,
                          (as_of - line.posted_on).days, line.kind,
                          description=line.description))
    items.sort(key=lambda item: (list(ItemType).index(item.type), item.date, item.ref))
    in_transit = sum(i.amount_minor for i in items if i.type is ItemType.DEPOSIT_IN_TRANSIT)
    outstanding = -sum(i.amount_minor for i in items if i.type is ItemType.OUTSTANDING_CHECK)
    bank_only = sum(i.amount_minor for i in items if i.type is ItemType.BANK_ONLY)
    aging = {name: 0 for name, _ in AGING_BUCKETS} | {OVER_LAST_BUCKET: 0}
    for item in items:
        if item.type is ItemType.OUTSTANDING_CHECK:
            aging[item.aging_bucket] -= item.amount_minor
    client_total = sum(led.balance_minor for led in ledgers if led.kind == "client")
    firm_total = sum(led.balance_minor for led in ledgers if led.kind != "client")
    return Figures(
        as_of=as_of, statement_balance_minor=statement_balance_minor,
        deposits_in_transit_minor=in_transit, outstanding_checks_minor=outstanding,
        bank_only_minor=bank_only,
        adjusted_bank_balance_minor=statement_balance_minor + in_transit - outstanding - bank_only,
        journal_balance_minor=journal_balance_minor, client_ledgers_total_minor=client_total,
        firm_ledgers_total_minor=firm_total, is_trust=is_trust, items=tuple(items),
        negative_ledgers=tuple(led for led in ledgers if led.balance_minor < 0),
        check_aging_minor=aging,
        stale_checks_minor=-sum(i.amount_minor for i in items if i.is_stale),
        old_deposits_in_transit_minor=sum(i.amount_minor for i in items if i.is_old))


def _entry_item(entry: OpenEntry, as_of: dt.date, rules: AgingRules) -> Item:
    age_days = (as_of - entry.effective_date).days
    if entry.amount_minor > 0:
        return Item(ItemType.DEPOSIT_IN_TRANSIT, entry.ref, entry.effective_date,
                    entry.amount_minor, age_days, entry.kind, entry.check_number, entry.method,
                    entry.description, entry.matter,
                    is_old=age_days > rules.transit_alert_days)
    return Item(ItemType.OUTSTANDING_CHECK, entry.ref, entry.effective_date, entry.amount_minor,
                age_days, entry.kind, entry.check_number, entry.method, entry.description,
                entry.matter, aging_bucket=aging_bucket(age_days),
                is_stale=age_days > rules.stale_check_days)
