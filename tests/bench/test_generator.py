"""The benchmark firm generator: deterministic, never overdrawing, and its books agree."""

from __future__ import annotations

import pytest
from bench.generator import Books, billing_records, load_firm, shape_for, statements, trust_entries

from lawledger.core.ledger import EntryKind
from lawledger.ledger.queries import trust_listing_report
from tests.factories import OPERATOR


def test_the_same_shape_gives_the_same_firm_entry_for_entry() -> None:
    shape = shape_for(600)
    first, second = list(trust_entries(shape)), list(trust_entries(shape))
    assert first == second
    assert len(first) == 600
    assert {entry.kind for entry in first} >= {EntryKind.DEPOSIT, EntryKind.DISBURSEMENT,
                                               EntryKind.TRANSFER, EntryKind.EARNED_FEE,
                                               EntryKind.BANK_CHARGE, EntryKind.INTEREST}


def test_the_bank_statements_have_delays_outstanding_checks_and_bank_only_lines() -> None:
    shape = shape_for(3000)
    entries = list(trust_entries(shape))
    months = statements(shape, entries)
    lines = [line for statement in months for line in statement.lines]
    issued = {e.check_number for e in entries if e.check_number}
    presented = {line.check_number for line in lines if line.check_number}
    assert presented < issued  # some checks are never presented: outstanding
    deposits = [e for e in entries if e.kind == EntryKind.DEPOSIT]
    assert len([line for line in lines if line.kind == "deposit"]) <= len(deposits) + 1
    assert any(line.kind == "fee" for line in lines) and any(line.kind == "interest" for line in lines)
    assert [s.period_start.month for s in months][:3] == [1, 2, 3]


def test_billing_records_are_time_and_expenses_on_the_firms_matters() -> None:
    records = list(billing_records(shape_for(1000), 50))
    assert len(records) == 50
    assert {type(r).__name__ for r in records} == {"TimeRecord", "ExpenseRecord"}
    assert all(r.matter.startswith("M-00") for r in records)


@pytest.mark.django_db
def test_a_loaded_firm_has_exactly_the_balances_the_generator_expects() -> None:
    from tests import factories

    factories.firm()
    books = Books()
    summary = load_firm(shape_for(1200), books=books, batch_size=500)
    assert (summary["entries"], summary["batches"], summary["matters"]) == (1200, 3, 20)
    listing = trust_listing_report(OPERATOR, include_zero=True)
    rows = {row["matter"] or row["kind"]: row["balance"] for row in listing["accounts"][0]["ledgers"]}
    expected = {matter: f"{minor // 100}.{minor % 100:02d}"
                for matter, minor in books.client_minor.items()}
    assert {m: rows.get(m, "0.00") for m in expected} == expected
    assert rows["firm_funds"] == f"{books.firm_funds_minor // 100}.{books.firm_funds_minor % 100:02d}"
