"""Journal entries and postings as plain values, and the double-entry rule (I1).

Sign convention: a posting's `amount_minor` is positive for a debit and negative for a credit.
Every ledger account has a normal side: bank accounts are debit-normal (+1), client ledgers and the
other trust sub-ledgers are credit-normal (-1); its *natural* balance is normal side × Σ amounts,
so a client ledger holding 100.00 of a client's money has a natural balance of +10000.

Every ledger account belongs to one book (one bank account). An entry balances per book and
currency, which is stronger than I1: a trust book always equals the sum of its sub-ledgers (I5),
even for entries that also touch the operating book (earned fees).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lawledger.core.errors import UnbalancedEntry


class AccountKind(StrEnum):
    TRUST_BANK = "trust_bank"          # the trust bank account itself (asset)
    CLIENT = "client"                  # one matter's client ledger
    FIRM_FUNDS = "firm_funds"          # firm money kept in trust for bank charges
    INTEREST = "interest"              # interest owed on (e.g. IOLTA interest for the foundation)
    UNIDENTIFIED = "unidentified"      # money received whose owner is not yet known
    OPERATING_BANK = "operating_bank"  # the firm's own bank account (asset)
    FEE_INCOME = "fee_income"          # fees earned (income)


NORMAL_SIDE: dict[AccountKind, int] = {
    AccountKind.TRUST_BANK: 1,
    AccountKind.CLIENT: -1,
    AccountKind.FIRM_FUNDS: -1,
    AccountKind.INTEREST: -1,
    AccountKind.UNIDENTIFIED: -1,
    AccountKind.OPERATING_BANK: 1,
    AccountKind.FEE_INCOME: -1,
}

# Sub-ledgers of a trust account: none may ever be negative (I3, I4).
NON_NEGATIVE_KINDS = frozenset({AccountKind.TRUST_BANK, AccountKind.CLIENT, AccountKind.FIRM_FUNDS,
                                AccountKind.INTEREST, AccountKind.UNIDENTIFIED})
TRUST_SUBLEDGER_KINDS = frozenset({AccountKind.CLIENT, AccountKind.FIRM_FUNDS,
                                   AccountKind.INTEREST, AccountKind.UNIDENTIFIED})


class EntryKind(StrEnum):
    DEPOSIT = "deposit"
    DISBURSEMENT = "disbursement"
    TRANSFER = "transfer"
    EARNED_FEE = "earned_fee"
    REFUND = "refund"
    BANK_CHARGE = "bank_charge"
    INTEREST = "interest"
    INTEREST_REMITTANCE = "interest_remittance"
    FIRM_DEPOSIT = "firm_deposit"
    FIRM_WITHDRAWAL = "firm_withdrawal"
    UNIDENTIFIED_DEPOSIT = "unidentified_deposit"
    UNIDENTIFIED_ASSIGNED = "unidentified_assigned"
    OPENING_BALANCE = "opening_balance"
    REVERSAL = "reversal"


@dataclass(frozen=True, slots=True)
class PostingLine:
    """One leg of an entry: `account` is any hashable key the caller uses for a ledger account."""

    account: object
    book: object
    kind: AccountKind
    amount_minor: int
    currency: str

    @property
    def natural_delta(self) -> int:
        return NORMAL_SIDE[self.kind] * self.amount_minor


def check_balanced(lines: Sequence[PostingLine]) -> None:
    """Refuse an entry unless it has two or more non-zero legs summing to zero per book+currency."""
    if len(lines) < 2:
        raise UnbalancedEntry("a journal entry needs at least two postings")
    totals: dict[tuple[object, str], int] = defaultdict(int)
    for line in lines:
        if type(line.amount_minor) is not int:
            raise TypeError("posting amounts are int minor units")
        if line.amount_minor == 0:
            raise UnbalancedEntry("a posting of zero carries nothing")
        totals[(line.book, line.currency)] += line.amount_minor
    unbalanced = {key: total for key, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntry(f"postings do not sum to zero per book and currency: {unbalanced}")


def reversed_lines(lines: Iterable[PostingLine]) -> list[PostingLine]:
    """The legs of a reversing entry: every amount negated, nothing else changed."""
    return [PostingLine(line.account, line.book, line.kind, -line.amount_minor, line.currency)
            for line in lines]


def natural_deltas(lines: Iterable[PostingLine]) -> dict[object, int]:
    deltas: dict[object, int] = defaultdict(int)
    for line in lines:
        deltas[line.account] += line.natural_delta
    return dict(deltas)
