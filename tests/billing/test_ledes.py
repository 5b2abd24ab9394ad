"""LEDES 1998B: the official example is accepted, the broken variants are refused naming the
first bad line, and every export validates (round trip) with hostile text made safe (C2)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawledger.core.billing import LedesInvalid
from lawledger.core.errors import CurrencyMismatch
from lawledger.core.formats import ledes

CORPUS = Path("/work/shared/corpus/ledes")
SPEC = CORPUS / "ledes-parser__ledes_98B_spec_rows_only.txt"


def _corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus file {name} is not on this machine")
    return path.read_bytes()


def test_it_accepts_the_official_spec_example() -> None:
    report = ledes.validate(_corpus(SPEC.name))
    assert report.valid, report.problems
    assert report.invoices == ("96542", "96543")
    assert report.line_items == 6


@pytest.mark.parametrize(("name", "line", "first"), [
    ("ledes-parser__ledes_98B.txt", 9, "CLIENT_ID '500' differs from '00711' on line 8"),
    ("ledes-parser__notebook_ledes_98B.txt", 8, "INVOICE_DESCRIPTION"),
    ("ledes-parser__ledes_98BI.txt", 1, "LEDES 98BI (international), not LEDES 1998B"),
])
def test_it_refuses_the_broken_variants_naming_the_first_bad_line(name: str, line: int,
                                                                  first: str) -> None:
    report = ledes.validate(_corpus(name))
    assert not report.valid
    assert report.first is not None and report.first.line == line
    assert first in str(report.first)


def test_it_reports_a_repeated_line_number_and_a_wrong_invoice_total() -> None:
    messages = [str(p) for p in ledes.validate(_corpus("ledes-parser__ledes_98B.txt")).problems]
    assert "line 9: LINE_ITEM_NUMBER 6 repeats line 8 of invoice 96543" in messages
    assert ("line 9: INVOICE_TOTAL 1250 of invoice 96543 is not the sum of its "
            "LINE_ITEM_TOTALs (2500)") in messages


def _spec_lines() -> list[str]:
    return _corpus(SPEC.name).decode().splitlines()


@pytest.mark.parametrize(("change", "line", "field"), [
    (lambda rows: rows.__setitem__(0, "LEDES1998A[]"), 1, ""),
    (lambda rows: rows.__setitem__(2, rows[2].replace("|630|", "|631|")), 3, "LINE_ITEM_TOTAL"),
    (lambda rows: rows.__setitem__(3, rows[3].replace("19990115", "19990231", 1)), 4,
     "LINE_ITEM_DATE"),
    (lambda rows: rows.__setitem__(4, rows[4].removesuffix("[]")), 5, ""),
    (lambda rows: rows.__setitem__(5, rows[5].replace("|E|", "|X|")), 6, "EXP/FEE/INV_ADJ_TYPE"),
    (lambda rows: rows.__setitem__(2, rows[2].replace("Set off claim", "Set off | claim")), 3, ""),
    (lambda rows: rows.__setitem__(6, rows[6].replace("|289.5|", "|1,289.5|", 1)), 7,
     "LINE_ITEM_TOTAL"),
])
def test_it_names_the_line_and_field_of_each_kind_of_damage(change, line: int, field: str) -> None:
    rows = _spec_lines()
    change(rows)
    report = ledes.validate("\n".join(rows) + "\n")
    assert report.first is not None
    assert (report.first.line, report.first.field) == (line, field)


def test_it_accepts_crlf_and_a_byte_order_mark() -> None:
    text = "\ufeff" + "\r\n".join(_spec_lines()) + "\r\n"
    assert ledes.validate(text.encode("utf-8")).valid


def _line(kind: str = "F", description: str = "Research", total: int = 27000,
          currency: str = "USD", **kwargs: object) -> ledes.LedesLine:
    defaults: dict[str, object] = {
        "kind": kind, "date": dt.date(2026, 3, 10), "units": "0.9", "unit_cost_minor": 30000,
        "adjustment_minor": 0, "total_minor": total, "currency": currency,
        "description": description, "task_code": "L110", "activity_code": "A102",
        "timekeeper_id": "TK-0001", "timekeeper_name": "Lovelace, Ada",
        "timekeeper_classification": "PARTNR"}
    defaults.update(kwargs)
    return ledes.LedesLine(**defaults)  # type: ignore[arg-type]


def _invoice(lines: tuple[ledes.LedesLine, ...], number: str = "00001",
             currency: str = "USD") -> ledes.LedesInvoice:
    return ledes.LedesInvoice(dt.date(2026, 4, 1), number, "C-0001", "M-0001",
                              dt.date(2026, 3, 1), dt.date(2026, 3, 31), "Acme v. Widget",
                              "24-6437381", currency, lines)


def test_an_export_has_the_exact_header_and_bracket_line_endings() -> None:
    text = ledes.export([_invoice((_line(), _line("IF", "Discount", -2700, units="1",
                                                   unit_cost_minor=None,
                                                   adjustment_minor=-2700)))])
    rows = text.split("\r\n")
    assert rows[0] == "LEDES1998B[]"
    assert rows[1] == "|".join(ledes.FIELDS) + "[]"
    assert rows[2] == ("20260401|00001|C-0001|M-0001|243.00|20260301|20260331|Acme v. Widget|1|F|"
                       "0.9|0.00|270.00|20260310|L110||A102|TK-0001|Research|24-6437381|300.00|"
                       "Lovelace, Ada|PARTNR|[]")
    assert rows[3].split("|")[9:13] == ["IF", "1", "-27.00", "-27.00"]
    assert rows[-1] == ""


def test_hostile_narratives_are_made_safe_not_allowed_to_break_the_file() -> None:
    hostile = "Call | with [] client\r\ninjected|row[]\x00 =HYPERLINK(\"x\")"
    text = ledes.export([_invoice((_line(description=hostile),))])
    assert ledes.validate(text).valid
    record = text.split("\r\n")[2]
    assert record.count("|") == 23 and record.endswith("[]") and record.count("[]") == 1
    assert "Call / with [ ] client injected/row[ ] =HYPERLINK(\"x\")" in record


def test_it_refuses_a_mixed_currency_invoice_and_a_mixed_currency_batch() -> None:
    with pytest.raises(CurrencyMismatch, match="mixes EUR, USD"):
        ledes.export([_invoice((_line(), _line(currency="EUR")))])
    with pytest.raises(CurrencyMismatch):
        ledes.export([_invoice((_line(),)),
                      _invoice((_line(currency="EUR"),), number="00002", currency="EUR")])


def test_it_refuses_to_write_a_file_that_would_not_validate() -> None:
    with pytest.raises(LedesInvalid, match="LINE_ITEM_TOTAL"):
        ledes.export([_invoice((_line(total=99999),))])


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)


# Generating unicode text is slow on a loaded machine; the test's worth is in the examples.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(minutes=st.lists(st.integers(min_value=1, max_value=600), min_size=1, max_size=8),
       rate=st.integers(min_value=0, max_value=200_000),
       discount=st.integers(min_value=0, max_value=100), description=texts)
def test_every_export_validates_and_its_total_is_the_sum_of_its_lines(
        minutes: list[int], rate: int, discount: int, description: str) -> None:
    from lawledger.core.billing import fee_minor, hours_text, percent_of

    lines = []
    for worked in minutes:
        standard = fee_minor(worked, rate)
        adjustment = -percent_of(standard, discount * 100)
        lines.append(_line(units=hours_text(worked), unit_cost_minor=rate,
                           adjustment_minor=adjustment, total_minor=standard + adjustment,
                           description=description))
    text = ledes.export([_invoice(tuple(lines))])
    report = ledes.validate(text)
    assert report.valid, report.problems
    totals = {row.split("|")[4] for row in text.split("\r\n")[2:] if row}
    expected = sum(line.total_minor for line in lines)
    assert totals == {f"{expected // 100}.{expected % 100:02d}"}
