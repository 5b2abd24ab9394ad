"""The trust rules of the core: I1 (balanced entries), I3 on the timeline, I5 (three-way)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from lawledger.core.calendar import add_business_days
from lawledger.core.errors import UnbalancedEntry
from lawledger.core.ledger import AccountKind, PostingLine, check_balanced, natural_deltas, reversed_lines
from lawledger.core.trust_rules import (
    DepositFacts,
    lowest_balance_from,
    timeline_allows,
    uncleared_total,
)

D = dt.date


def line(account: str, kind: AccountKind, amount: int, book: str = "IOLTA",
         currency: str = "USD") -> PostingLine:
    return PostingLine(account, book, kind, amount, currency)


def test_it_refuses_an_entry_that_does_not_sum_to_zero() -> None:
    with pytest.raises(UnbalancedEntry):
        check_balanced([line("bank", AccountKind.TRUST_BANK, 100),
                        line("M-1", AccountKind.CLIENT, -90)])


def test_it_refuses_an_entry_balanced_across_currencies_or_books_only() -> None:
    with pytest.raises(UnbalancedEntry):
        check_balanced([line("bank", AccountKind.TRUST_BANK, 100),
                        line("M-1", AccountKind.CLIENT, -100, currency="EUR")])
    with pytest.raises(UnbalancedEntry):
        check_balanced([line("bank", AccountKind.TRUST_BANK, 100),
                        line("M-1", AccountKind.CLIENT, -100, book="Other")])


def test_it_refuses_single_legged_and_zero_postings() -> None:
    with pytest.raises(UnbalancedEntry):
        check_balanced([line("bank", AccountKind.TRUST_BANK, 0),
                        line("M-1", AccountKind.CLIENT, 0)])
    with pytest.raises(UnbalancedEntry):
        check_balanced([line("bank", AccountKind.TRUST_BANK, 100)])


def test_a_reversal_negates_every_leg() -> None:
    legs = [line("bank", AccountKind.TRUST_BANK, 100), line("M-1", AccountKind.CLIENT, -100)]
    undo = reversed_lines(legs)
    check_balanced(undo)
    assert natural_deltas(legs + undo) == {"bank": 0, "M-1": 0}


def test_the_backdated_overdraft_of_the_attack_plan_is_refused() -> None:
    # D2: deposit 100 on 10 Mar, disburse 80 on 20 Mar, then disburse 50 dated 15 Mar.
    balance_at_end_of_15_march = 100
    later = [-80]
    assert lowest_balance_from(balance_at_end_of_15_march, later) == 20
    assert not timeline_allows(balance_at_end_of_15_march, later, -50)
    assert timeline_allows(balance_at_end_of_15_march, later, -20)


def test_deposits_clear_after_business_days_or_when_the_bank_shows_them() -> None:
    friday = D(2026, 3, 13)
    assert add_business_days(friday, 5) == D(2026, 3, 20)
    deposit = DepositFacts(friday, 10000, cleared_on=None)
    assert uncleared_total([deposit], D(2026, 3, 19), 5) == 10000
    assert uncleared_total([deposit], D(2026, 3, 20), 5) == 0
    shown = DepositFacts(friday, 10000, cleared_on=D(2026, 3, 16))
    assert uncleared_total([shown], D(2026, 3, 16), 5) == 0
    bounced = DepositFacts(friday, 10000, cleared_on=None, reversed_on=D(2026, 3, 17))
    assert uncleared_total([bounced], D(2026, 3, 18), 5) == 0


class TrustBookMachine(RuleBasedStateMachine):
    """Random (and backdated) deposits, disbursements, transfers and reversals against the rules.

    The book keeps every accepted entry; after every step the whole timeline is recomputed from
    scratch and I1, I3 and I5 are checked at every point, not just at the end.
    """

    MATTERS = ("M-1", "M-2", "M-3")

    @initialize()
    def start(self) -> None:
        self.entries: list[tuple[dt.date, int, list[PostingLine]]] = []
        self.sequence = 0
        self.reversed: set[int] = set()

    def _ledger_points(self, account: str) -> list[tuple[dt.date, int, int]]:
        points = []
        for day, seq, legs in self.entries:
            delta = natural_deltas(legs).get(account, 0)
            if delta:
                points.append((day, seq, delta))
        return sorted(points)

    def _try_post(self, day: dt.date, legs: list[PostingLine]) -> bool:
        check_balanced(legs)
        for account, delta in natural_deltas(legs).items():
            if account == "bank":
                continue
            points = self._ledger_points(account)
            through = sum(delta for when, _, delta in points if when <= day)
            later = [delta for when, _, delta in points if when > day]
            if not timeline_allows(through, later, delta):
                return False
        self.sequence += 1
        self.entries.append((day, self.sequence, legs))
        return True

    days = st.integers(0, 60).map(lambda n: D(2026, 1, 1) + dt.timedelta(days=n))
    amounts = st.integers(1, 50_000)
    matters = st.sampled_from(MATTERS)

    @rule(day=days, amount=amounts, matter=matters)
    def deposit(self, day: dt.date, amount: int, matter: str) -> None:
        assert self._try_post(day, [line("bank", AccountKind.TRUST_BANK, amount),
                                    line(matter, AccountKind.CLIENT, -amount)])

    @rule(day=days, amount=amounts, matter=matters)
    def disburse(self, day: dt.date, amount: int, matter: str) -> None:
        self._try_post(day, [line(matter, AccountKind.CLIENT, amount),
                             line("bank", AccountKind.TRUST_BANK, -amount)])

    @rule(day=days, amount=amounts, source=matters, destination=matters)
    def transfer(self, day: dt.date, amount: int, source: str, destination: str) -> None:
        if source != destination:
            self._try_post(day, [line(source, AccountKind.CLIENT, amount),
                                 line(destination, AccountKind.CLIENT, -amount)])

    @rule(data=st.data(), late=st.integers(0, 30))
    def reverse(self, data: st.DataObject, late: int) -> None:
        candidates = [e for e in self.entries if e[1] not in self.reversed]
        if not candidates:
            return
        day, seq, legs = data.draw(st.sampled_from(candidates))
        if self._try_post(day + dt.timedelta(days=late), reversed_lines(legs)):
            self.reversed.add(seq)

    @invariant()
    def every_entry_balances(self) -> None:  # I1
        for _, _, legs in self.entries:
            check_balanced(legs)

    @invariant()
    def no_client_ledger_is_ever_negative_on_the_timeline(self) -> None:  # I3
        for matter in self.MATTERS:
            running = 0
            for _, _, delta in self._ledger_points(matter):
                running += delta
                assert running >= 0, f"{matter} went to {running}"

    @invariant()
    def the_bank_equals_the_sum_of_client_ledgers_at_every_point(self) -> None:  # I5
        totals: dict[str, int] = defaultdict(int)
        for _, _, legs in sorted(self.entries, key=lambda e: (e[0], e[1])):
            for account, delta in natural_deltas(legs).items():
                totals[account] += delta
            assert totals["bank"] == sum(totals[m] for m in self.MATTERS)
            assert totals["bank"] >= 0


TrustBookMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40,
                                              deadline=None)
test_trust_book_rules_hold_under_random_sequences = TrustBookMachine.TestCase
