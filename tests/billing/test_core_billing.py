"""Billing maths (pure): increments, rates, discounts, taxes, caps, tiers, ageing, splits."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawledger.core import utbms
from lawledger.core.billing import (
    AGING_BUCKETS,
    AdjustmentCode,
    Category,
    Discount,
    InvoiceTerms,
    RateCandidate,
    RateScope,
    SettlementShort,
    Tier,
    age_receivables,
    aging_bucket,
    billable_minutes,
    choose_rate,
    contingency_fee,
    expense_minor,
    fee_minor,
    format_permille,
    format_quantity,
    hours_text,
    invoice_adjustments,
    parse_minutes,
    parse_percent,
    parse_quantity,
    percent_of,
    permille,
    settlement_statement,
    split_by_weights,
)
from lawledger.core.errors import InvalidInput

amounts = st.integers(min_value=0, max_value=10**12)
basis_points = st.integers(min_value=0, max_value=10_000)


@given(minutes=st.integers(min_value=1, max_value=1440),
       increment=st.integers(min_value=1, max_value=60))
def test_billable_minutes_round_up_to_the_increment_and_never_down(minutes: int,
                                                                   increment: int) -> None:
    billed = billable_minutes(minutes, increment)
    assert billed % increment == 0
    assert minutes <= billed < minutes + increment


def test_it_rounds_minutes_up_to_tenths_of_an_hour_by_default() -> None:
    assert [billable_minutes(m, 6) for m in (1, 6, 7, 50, 54, 55, 60)] == [6, 6, 12, 54, 54, 60, 60]


@pytest.mark.parametrize("text", ["0", "-5", "1.5", "90m", "", "1441", "١٢"])
def test_it_refuses_minutes_that_are_not_whole_and_in_range(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_minutes(text)
    assert caught.value.param == "minutes"


def test_fees_and_expenses_round_half_up_to_the_minor_unit() -> None:
    assert fee_minor(54, 30000) == 27000
    assert fee_minor(6, 33335) == 3334          # 33.335 → 33.34
    assert fee_minor(10, 100) == 17             # 16.67 cents → 17
    assert expense_minor(parse_quantity("120"), 25) == 3000
    assert expense_minor(parse_quantity("0.5"), 1001) == 501   # 500.5 → 501
    assert format_quantity(parse_quantity("2.50")) == "2.5"
    assert hours_text(54) == "0.9" and hours_text(90) == "1.5" and hours_text(10) == "0.16666667"


@pytest.mark.parametrize(("text", "expected"), [("10", 1000), ("12.5%", 1250), ("100", 10000),
                                                ("0.01", 1), ("8.25", 825)])
def test_it_parses_percentages_into_basis_points(text: str, expected: int) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize("text", ["0", "100.01", "-5", "1e2", "12.555", "abc"])
def test_it_refuses_percentages_out_of_range_or_malformed(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_percent(text)


@given(base=amounts, bp=basis_points)
def test_a_percentage_discount_never_exceeds_its_base_and_rounds_half_up(base: int, bp: int) -> None:
    taken = Discount(basis_points=bp).of(base)
    assert 0 <= taken <= base
    assert abs(taken * 10_000 - base * bp) <= 5_000  # within half a minor unit


@given(base=amounts, amount=st.integers(min_value=1, max_value=10**12))
def test_an_amount_discount_takes_at_most_the_base(base: int, amount: int) -> None:
    assert Discount(amount_minor=amount).of(base) == min(base, amount)


@given(fees=amounts, expenses=amounts, bp=basis_points, rate=basis_points,
       cap=st.none() | amounts, on_expenses=st.booleans())
def test_invoice_adjustments_add_up_and_tax_follows_the_discounted_base(
        fees: int, expenses: int, bp: int, rate: int, cap: int | None, on_expenses: bool) -> None:
    terms = InvoiceTerms(fee_discounts=((Discount(basis_points=bp), "d"),), cap_remaining_minor=cap,
                         tax_basis_points=rate, tax_on_expenses=on_expenses)
    lines = invoice_adjustments(fees, expenses, terms)
    net_fees = fees + sum(a.amount_minor for a in lines
                          if a.category is Category.FEES and a.code is not AdjustmentCode.TAX)
    assert net_fees >= 0
    if cap is not None:
        assert net_fees <= cap
    fee_tax = sum(a.amount_minor for a in lines
                  if a.category is Category.FEES and a.code is AdjustmentCode.TAX)
    assert fee_tax == percent_of(net_fees, rate)
    expense_tax = sum(a.amount_minor for a in lines if a.category is Category.EXPENSES)
    assert expense_tax == (percent_of(expenses, rate) if on_expenses else 0)


def test_a_discount_then_a_cap_then_tax_in_that_order() -> None:
    terms = InvoiceTerms(fee_discounts=((Discount(basis_points=1000), "courtesy"),),
                         cap_remaining_minor=80_000, tax_basis_points=825)
    lines = invoice_adjustments(100_000, 5_000, terms)
    assert [(a.code, a.amount_minor) for a in lines] == [
        (AdjustmentCode.DISCOUNT, -10_000), (AdjustmentCode.FEE_CAP, -10_000),
        (AdjustmentCode.TAX, 6_600)]


@given(total=st.integers(min_value=-10**12, max_value=10**12),
       weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30))
def test_splits_always_sum_back_exactly(total: int, weights: list[int]) -> None:
    parts = split_by_weights(total, weights)
    assert len(parts) == len(weights)
    if sum(weights):
        assert sum(parts) == total


def _rate(scope: RateScope, day: str, sequence: int, minor: int) -> RateCandidate:
    return RateCandidate(scope, dt.date.fromisoformat(day), sequence, minor, "USD")


def test_the_matter_rate_beats_the_client_rate_beats_the_timekeeper_rate() -> None:
    rates = [_rate(RateScope.TIMEKEEPER, "2026-01-01", 1, 300),
             _rate(RateScope.CLIENT, "2026-02-01", 2, 250),
             _rate(RateScope.MATTER, "2026-03-01", 3, 200)]
    assert choose_rate(rates, dt.date(2025, 12, 31)) is None
    assert choose_rate(rates, dt.date(2026, 1, 15)).rate_minor_per_hour == 300
    assert choose_rate(rates, dt.date(2026, 2, 15)).rate_minor_per_hour == 250
    assert choose_rate(rates, dt.date(2026, 3, 1)).rate_minor_per_hour == 200


def test_within_a_scope_the_latest_effective_rate_then_the_latest_recorded_wins() -> None:
    rates = [_rate(RateScope.TIMEKEEPER, "2026-01-01", 1, 300),
             _rate(RateScope.TIMEKEEPER, "2026-06-01", 2, 350),
             _rate(RateScope.TIMEKEEPER, "2026-06-01", 3, 360)]
    assert choose_rate(rates, dt.date(2026, 5, 31)).rate_minor_per_hour == 300
    assert choose_rate(rates, dt.date(2026, 6, 1)).rate_minor_per_hour == 360


def test_contingency_tiers_take_each_percentage_of_its_band() -> None:
    tiers = [Tier(10_000_000, 3333), Tier(None, 2500)]
    assert contingency_fee(6_000_000, tiers) == 1_999_800
    assert contingency_fee(10_000_000, tiers) == 3_333_000
    assert contingency_fee(14_000_000, tiers) == 3_333_000 + 1_000_000
    with pytest.raises(InvalidInput):
        contingency_fee(100, [Tier(5_000, 1000)])  # the last tier must be open-ended


def test_a_settlement_statement_sums_back_to_the_gross_recovery() -> None:
    statement = settlement_statement(10_000_000, [Tier(None, 3333)], 50_000,
                                     [("Medical lien", 1_000_000)])
    assert (statement.fee_minor, statement.net_to_client_minor) == (3_333_000, 5_617_000)
    assert (statement.fee_minor + statement.costs_minor + 1_000_000
            + statement.net_to_client_minor) == 10_000_000
    with pytest.raises(SettlementShort):
        settlement_statement(100_000, [Tier(None, 5000)], 60_000)


@given(days=st.integers(min_value=0, max_value=1000))
def test_ageing_puts_every_age_in_exactly_one_bucket(days: int) -> None:
    as_of = dt.date(2026, 12, 31)
    bucket = aging_bucket(as_of - dt.timedelta(days=days), as_of)
    expected = ("current" if days < 30 else "30" if days < 60 else "60" if days < 90
                else "90" if days < 120 else "120+")
    assert bucket == expected


@given(items=st.lists(st.tuples(st.integers(min_value=0, max_value=400), amounts), max_size=40))
def test_ageing_buckets_sum_to_the_total_receivable(items: list[tuple[int, int]]) -> None:
    as_of = dt.date(2026, 12, 31)
    totals = age_receivables([(as_of - dt.timedelta(days=d), a) for d, a in items], as_of)
    assert list(totals) == list(AGING_BUCKETS)
    assert sum(totals.values()) == sum(a for _, a in items)


def test_realization_percentages_have_one_decimal_and_no_division_by_zero() -> None:
    assert format_permille(permille(2_700, 3_000)) == "90.0"
    assert format_permille(permille(1, 3)) == "33.3"
    assert permille(5, 0) is None and format_permille(None) is None


def test_utbms_codes_are_data_and_phases_are_not_tasks() -> None:
    assert utbms.task_code(" l110 ") == "L110"
    assert utbms.activity_code("A111") == "A111"
    assert utbms.expense_code("e124") == "E124"
    assert len(utbms.EXPENSES) == 24 and len(utbms.ACTIVITIES) == 11
    with pytest.raises(InvalidInput, match="phase"):
        utbms.task_code("L100")
    for bad, check in (("L999", utbms.task_code), ("A112", utbms.activity_code),
                       ("E125", utbms.expense_code)):
        with pytest.raises(InvalidInput):
            check(bad)
