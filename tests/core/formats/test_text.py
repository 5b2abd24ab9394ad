"""Amount text → minor units and byte decoding, shared by every statement parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lawledger.core.formats.statement import StatementMalformed
from lawledger.core.formats.text import decimal_to_minor, decode_text


@pytest.mark.parametrize(
    ("text", "currency", "kwargs", "expected"),
    [
        ("1234.56", "USD", {}, 123456),
        ("-33.3", "BRL", {}, -3330),
        ("-140", "BRL", {}, -14000),
        ("+00000000000115.83", "USD", {}, 11583),
        ("474.4", "CHF", {}, 47440),
        ("2700", "JPY", {}, 2700),
        ("5442.09000", "RON", {}, 544209),
        ("18.150", "EUR", {}, 1815),
        ("1.234,56", "EUR", {"decimal_separator": ",", "thousands_separator": "."}, 123456),
        ("11'373.94", "CHF", {"thousands_separator": "'"}, 1137394),
        ("1 234,56", "EUR", {"decimal_separator": ",", "thousands_separator": " "}, 123456),
        ("5,", "EUR", {"decimal_separator": ","}, 500),
        ("000000000473,17", "EUR", {"decimal_separator": ","}, 47317),
        ("1.250", "BHD", {}, 1250),
    ],
)
def test_it_reads_amounts_exactly(text: str, currency: str, kwargs: dict[str, str], expected: int) -> None:
    assert decimal_to_minor(text, currency, where="test", **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "kwargs", "reason"),
    [
        ("1e309", {}, "is not an amount"),
        ("NaN", {}, "is not an amount"),
        ("inf", {}, "is not an amount"),
        ("1,234.5.6", {"thousands_separator": ","}, "is not an amount"),
        ("1,23", {"thousands_separator": ","}, "is not an amount"),
        ("$120", {}, "is not an amount"),
        ("12.345", {}, "more decimals than USD allows"),
        ("١٢٣", {}, "is not an amount"),  # Arabic-Indic digits are digits to Python, not to a bank
        ("99999999999999999999", {}, "larger than any amount"),
        ("", {}, "is not an amount"),
        ("--5", {}, "is not an amount"),
    ],
)
def test_it_refuses_what_is_no_amount(text: str, kwargs: dict[str, str], reason: str) -> None:
    with pytest.raises(StatementMalformed, match=reason) as refused:
        decimal_to_minor(text, "USD", where="line 7, column 'Amount'", **kwargs)
    assert refused.value.message.startswith("line 7, column 'Amount'")


@given(
    minor=st.integers(min_value=-(10**14), max_value=10**14),
    style=st.sampled_from([(".", ""), (".", ","), (",", "."), (".", "'"), (",", " "), (",", "")]),
)
def test_it_reads_back_every_amount_written_in_every_number_style(minor: int, style: tuple[str, str]) -> None:
    decimal_separator, thousands_separator = style
    whole, fraction = divmod(abs(minor), 100)
    grouped = f"{whole:,}".replace(",", thousands_separator)
    text = f"{'-' if minor < 0 else ''}{grouped}{decimal_separator}{fraction:02d}"
    assert (
        decimal_to_minor(
            text,
            "EUR",
            where="x",
            decimal_separator=decimal_separator,
            thousands_separator=thousands_separator,
        )
        == minor
    )


def test_it_decodes_strict_utf8_first_then_cp1252() -> None:
    assert decode_text("Café".encode()) == "Café"
    assert decode_text("5€ — débit".encode("cp1252")) == "5€ — débit"
    assert decode_text(b"\xef\xbb\xbfDate,Amount") == "Date,Amount"
    assert decode_text("Date".encode("utf-16")) == "Date"


def test_it_falls_back_to_latin1_for_bytes_cp1252_leaves_undefined() -> None:
    assert decode_text(b"a\x81b") == "a\x81b"


def test_it_names_the_line_of_a_byte_the_chosen_encoding_cannot_read() -> None:
    with pytest.raises(StatementMalformed, match=r"CSV line 2: byte 0xE9 is not valid utf-8"):
        decode_text(b"Date,Amount\n2024-01-01,caf\xe9", "utf-8", what="CSV")
