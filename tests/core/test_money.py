"""Money (I10): integer minor units, named rounding, splits that always sum back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawledger.core.errors import CurrencyMismatch, InvalidInput
from lawledger.core.money import (
    CURRENCY_EXPONENTS,
    MAX_AMOUNT_MINOR,
    Money,
    allocate,
    format_minor,
    format_minor_grouped,
    parse_minor,
    round_half_up_div,
)

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
amounts = st.integers(min_value=-MAX_AMOUNT_MINOR, max_value=MAX_AMOUNT_MINOR)


def test_it_parses_plain_and_grouped_amounts() -> None:
    assert parse_minor("1250.00", "USD") == 125000
    assert parse_minor("1,250.00", "USD") == 125000
    assert parse_minor("1250", "USD") == 125000
    assert parse_minor("0.5", "USD") == 50
    assert parse_minor("1250", "JPY") == 1250
    assert parse_minor("1.250", "BHD") == 1250
    assert parse_minor("-12.50", "USD", allow_negative=True) == -1250


@pytest.mark.parametrize("text", ["1e3", "NaN", "inf", "1,234.5.6", "12,34.00", "1.001", "",
                                  " ", "$120", "1 000", "0x10", "1_000", "١٢٣", "12.", ".5"])
def test_it_refuses_what_is_not_an_amount_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_minor(text, "USD", param="amount")
    assert caught.value.param == "amount"
    assert "amount" in caught.value.message


def test_it_refuses_negative_zero_and_huge_amounts_unless_allowed() -> None:
    with pytest.raises(InvalidInput, match="negative"):
        parse_minor("-5.00", "USD")
    with pytest.raises(InvalidInput, match="more than zero"):
        parse_minor("-0", "USD")
    assert parse_minor("-0", "USD", allow_zero=True) == 0
    with pytest.raises(InvalidInput, match="larger"):
        parse_minor("99999999999999999999", "USD")


def test_it_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(100, "USD") * 1.5  # type: ignore[operator]
    with pytest.raises(CurrencyMismatch):
        Money(100, "USD") + Money(100, "EUR")
    with pytest.raises(InvalidInput):
        Money(100, "XXX")


@given(amounts, currencies)
def test_format_and_parse_round_trip(minor: int, currency: str) -> None:
    text = format_minor(minor, currency)
    assert parse_minor(text, currency, allow_negative=True, allow_zero=True) == minor
    grouped = format_minor_grouped(minor, currency)
    assert parse_minor(grouped, currency, allow_negative=True, allow_zero=True) == minor


@given(st.integers(-10**12, 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_always_sums_back_and_stays_within_one_unit(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights = [*weights[:-1], 1]
    parts = allocate(total, weights)
    assert sum(parts) == total
    exact = [total * w / sum(weights) for w in weights]
    assert all(abs(part - share) < 1 for part, share in zip(parts, exact, strict=True))


@given(st.integers(-10**15, 10**15), st.integers(1, 10**9))
def test_round_half_up_div_is_the_nearest_integer_with_halves_away_from_zero(
        numerator: int, denominator: int) -> None:
    result = round_half_up_div(numerator, denominator)
    assert abs(result * denominator - numerator) * 2 <= denominator
    assert round_half_up_div(-numerator, denominator) == -result


def test_round_half_up_div_names_its_rounding() -> None:
    assert round_half_up_div(5, 2) == 3
    assert round_half_up_div(-5, 2) == -3
    assert round_half_up_div(4, 3) == 1
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
