"""The pure matching rules: each method on a small hand-built case, a property, and the speed."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawledger.core.matching import (
    BankItem,
    BookItem,
    MatchMethod,
    Proposal,
    check_balanced_match,
    normalise_check_number,
    propose_matches,
    subset_with_sum,
)


def d(day: int, month: int = 3) -> dt.date:
    return dt.date(2026, month, day)


def _one(proposals: list[Proposal]) -> Proposal:
    assert len(proposals) == 1, proposals
    return proposals[0]


def test_a_check_matches_its_entry_by_number_and_amount_however_late_it_clears() -> None:
    bank = [BankItem(1, d(9, 8), -7500, "check", check_number="00558")]
    book = [BookItem(10, d(20, 7), -7500, "disbursement", check_number="558"),
            BookItem(11, d(9, 8), -7500, "disbursement", check_number="559")]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.CHECK_NUMBER, 100, (1,), (10,))


def test_a_check_number_with_another_amount_is_not_matched_by_number() -> None:
    bank = [BankItem(1, d(9), -7600, "check", check_number="558")]
    book = [BookItem(10, d(1), -7500, "disbursement", check_number="558")]
    assert propose_matches(bank, book) == []


def test_a_wire_matches_by_its_reference() -> None:
    bank = [BankItem(1, d(12), 250000, "deposit", references=("FITID-9", "wire 123"))]
    book = [BookItem(10, d(1), 250000, "deposit", reference="WIRE-123"),
            BookItem(11, d(12), 250000, "deposit")]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.REFERENCE, 95, (1,), (10,))


def test_amount_and_date_match_within_the_window_and_lose_confidence_with_distance() -> None:
    bank = [BankItem(1, d(12), 50000, "deposit"), BankItem(2, d(19), 30000, "deposit")]
    book = [BookItem(10, d(10), 50000, "deposit"), BookItem(11, d(12), 30000, "deposit")]
    assert propose_matches(bank, book) == [
        Proposal(MatchMethod.AMOUNT_DATE, 82, (1,), (10,)),
        Proposal(MatchMethod.AMOUNT_DATE, 62, (2,), (11,))]


def test_nothing_matches_outside_the_date_window() -> None:
    bank = [BankItem(1, d(12), 50000, "deposit")]
    assert propose_matches(bank, [BookItem(10, d(4), 50000, "deposit")]) == []
    assert propose_matches(bank, [BookItem(10, d(16), 50000, "deposit")]) == []


def test_two_equal_candidates_on_one_day_make_a_low_confidence_proposal() -> None:
    bank = [BankItem(1, d(10), 50000, "deposit")]
    book = [BookItem(10, d(10), 50000, "deposit"), BookItem(11, d(10), 50000, "deposit")]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.AMOUNT_DATE, 55, (1,), (10,))


def test_one_bank_deposit_of_a_whole_days_receipts_is_a_deposit_slip() -> None:
    bank = [BankItem(1, d(11), 75000, "deposit")]
    book = [BookItem(10, d(10), 10000, "deposit"), BookItem(11, d(10), 25000, "deposit"),
            BookItem(12, d(10), 40000, "deposit"), BookItem(13, d(2), 75000 - 1, "deposit")]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.DEPOSIT_SLIP, 85, (1,),
                                                         (10, 11, 12))


def test_receipts_recorded_with_one_slip_reference_are_that_deposit() -> None:
    bank = [BankItem(1, d(11), 35000, "deposit")]
    book = [BookItem(10, d(10), 10000, "deposit", reference="slip 7"),
            BookItem(11, d(10), 25000, "deposit", reference="SLIP-7"),
            BookItem(12, d(10), 35000 - 10000, "deposit"),
            BookItem(13, d(10), 10000, "deposit")]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.DEPOSIT_SLIP, 90, (1,),
                                                         (10, 11))


def test_a_deposit_slip_may_be_a_subset_of_nearby_receipts() -> None:
    bank = [BankItem(1, d(11), 35000, "deposit")]
    book = [BookItem(10, d(9), 10000, "deposit"), BookItem(11, d(10), 25000, "deposit"),
            BookItem(12, d(10), 30000, "deposit")]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.DEPOSIT_SLIP, 70, (1,),
                                                         (10, 11))


def test_the_subset_search_gives_up_within_its_budget() -> None:
    items = [BookItem(k, d(1), 2 * k + 2, "deposit") for k in range(40)]
    assert subset_with_sum(items, 1, 8, budget=10_000) is None  # odd target, even amounts
    found = subset_with_sum(items, 2 + 4 + 8, 8, budget=10_000)
    assert found is not None and sum(b.amount_minor for b in found) == 14


def test_a_returned_item_matches_the_reversal_and_the_deposit_its_bank_line() -> None:
    bank = [BankItem(1, d(2), 10000, "deposit"), BankItem(2, d(8), -10000, "returned")]
    book = [BookItem(10, d(1), 10000, "deposit"),
            BookItem(11, d(8), -10000, "reversal", reverses=10)]
    assert propose_matches(bank, book) == [
        Proposal(MatchMethod.AMOUNT_DATE, 86, (1,), (10,)),
        Proposal(MatchMethod.RETURNED_ITEM, 95, (2,), (11,))]


def test_a_bank_deposit_reversed_by_the_bank_cancels_out() -> None:
    bank = [BankItem(1, d(2), 10000, "deposit"), BankItem(2, d(3), -10000, "returned")]
    assert _one(propose_matches(bank, [])) == Proposal(MatchMethod.BANK_REVERSAL, 80, (1, 2), ())


def test_a_voided_check_and_its_reversal_cancel_and_never_take_a_bank_deposit() -> None:
    bank = [BankItem(1, d(6), 5000, "deposit")]
    book = [BookItem(10, d(5), -5000, "disbursement", check_number="101"),
            BookItem(11, d(6), 5000, "reversal", reverses=10)]
    assert _one(propose_matches(bank, book)) == Proposal(MatchMethod.BOOK_REVERSAL, 100, (),
                                                         (10, 11))


def test_check_numbers_are_compared_without_padding_or_punctuation() -> None:
    assert normalise_check_number("#00558 ") == normalise_check_number("558") == "558"
    assert normalise_check_number("000") == "0"
    assert normalise_check_number("") == ""


def test_a_match_by_hand_must_move_the_same_money_on_both_sides() -> None:
    assert check_balanced_match([-7500], [-7500])
    assert check_balanced_match([10000, -10000], [])
    assert not check_balanced_match([-7500], [-7600])
    assert not check_balanced_match([], [])


_amounts = st.integers(min_value=-5000, max_value=5000).filter(lambda a: a != 0)
_bank = st.lists(st.tuples(st.integers(1, 28), _amounts,
                           st.sampled_from(["deposit", "check", "returned", "fee"])), max_size=30)
_book = st.lists(st.tuples(st.integers(1, 28), _amounts, st.sampled_from(["", "12", "13"])),
                 max_size=30)


@settings(max_examples=300, deadline=None)
@given(_bank, _book)
def test_every_proposal_balances_and_uses_each_line_and_entry_once(
        bank_rows: list[tuple[int, int, str]], book_rows: list[tuple[int, int, str]]) -> None:
    bank = [BankItem(i, d(day), amount, kind, check_number="12" if kind == "check" else "")
            for i, (day, amount, kind) in enumerate(bank_rows)]
    book = [BookItem(1000 + i, d(day), amount, "deposit" if amount > 0 else "disbursement",
                     check_number=check if amount < 0 else "",
                     reverses=1000 + i - 1 if i % 7 == 6 else None)
            for i, (day, amount, check) in enumerate(book_rows)]
    bank_amount = {b.key: b.amount_minor for b in bank}
    book_amount = {b.key: b.amount_minor for b in book}
    seen: set[int] = set()
    for proposal in propose_matches(bank, book):
        keys = proposal.bank_keys + proposal.book_keys
        assert not seen & set(keys)
        seen |= set(keys)
        assert (sum(bank_amount[k] for k in proposal.bank_keys)
                == sum(book_amount[k] for k in proposal.book_keys))
        assert 0 < proposal.confidence <= 100


def _firm_year(lines: int, seed: int = 7) -> tuple[list[BankItem], list[BookItem]]:
    """A big firm's year: deposits, checks, wires, slips and charges, mostly matching."""
    rng = random.Random(seed)
    bank: list[BankItem] = []
    book: list[BookItem] = []
    start = dt.date(2026, 1, 1)
    for key in range(lines):
        day = start + dt.timedelta(days=rng.randrange(360))
        amount = rng.randrange(1, 500_000)
        roll = rng.random()
        if roll < 0.4:
            book.append(BookItem(key, day, amount, "deposit"))
            bank.append(BankItem(key, day + dt.timedelta(days=rng.randrange(3)), amount, "deposit"))
        elif roll < 0.8:
            number = str(100_000 + key)
            book.append(BookItem(key, day, -amount, "disbursement", check_number=number))
            bank.append(BankItem(key, day + dt.timedelta(days=rng.randrange(30)), -amount, "check",
                                 check_number=number))
        elif roll < 0.9:
            reference = f"W{key}"
            book.append(BookItem(key, day, amount, "deposit", reference=reference))
            bank.append(BankItem(key, day, amount, "deposit", references=(f"FIT{key}", reference)))
        elif roll < 0.95:
            parts = [amount // 3, amount // 3, amount - 2 * (amount // 3)]
            for offset, part in enumerate(parts):
                book.append(BookItem(10_000_000 + 3 * key + offset, day, part or 1, "deposit",
                                     reference=f"slip {key}"))
            bank.append(BankItem(key, day + dt.timedelta(days=1), sum(p or 1 for p in parts),
                                 "deposit"))
        else:
            bank.append(BankItem(key, day, -rng.randrange(1, 5000), "fee"))
    return bank, book


def _reference_seconds() -> float:
    """CPU time of a fixed loop (40 million additions) that takes about one second on a typical
    2020s core with CPython 3.12.

    This machine is shared and its cores run slower or faster from one run to the next; the speed
    of the matching core is measured in these reference seconds, so the bar means the same on a
    busy CI machine as on a laptop.
    """
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, (time.process_time() - started) * 4)
    return best


@pytest.mark.slow
def test_the_matching_core_handles_at_least_100000_bank_lines_per_second() -> None:
    bank, book = _firm_year(120_000)
    best = float("inf")
    proposals: list[Proposal] = []
    for _ in range(2):
        started = time.process_time()
        proposals = propose_matches(bank, book)
        best = min(best, time.process_time() - started)
    reference = _reference_seconds()
    matched = sum(len(p.bank_keys) for p in proposals)
    assert matched >= 0.94 * len(bank)  # 5% are bank charges, which have no entry
    lines_per_reference_second = len(bank) / (best / reference)
    print(f"matching: {lines_per_reference_second:,.0f} lines per reference second")
    assert lines_per_reference_second >= 100_000, (
        f"{lines_per_reference_second:,.0f} lines per reference second "
        f"({len(bank) / best:,.0f} lines per CPU second here, reference loop {reference:.2f} s)")
