"""The database itself refuses what the rules forbid, even to raw SQL that bypasses Python."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from lawledger.db import maintenance
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(sql: str, params: list[object] | None = None) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])


def _one(sql: str, params: list[object] | None = None) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


@pytest.fixture
def posted() -> dict[str, str]:
    setup = factories.trust_firm()
    factories.deposit(setup["matter"], "100.00")
    return setup


def test_it_refuses_to_update_or_delete_a_posted_entry(posted: dict[str, str]) -> None:
    _refused("UPDATE ledger_journal_entry SET amount_minor = 1")
    _refused("DELETE FROM ledger_journal_entry")
    assert _one("SELECT COUNT(*) FROM ledger_journal_entry") == 1


def test_it_refuses_to_update_or_delete_postings(posted: dict[str, str]) -> None:
    _refused("UPDATE ledger_posting SET amount_minor = amount_minor * 2")
    _refused("DELETE FROM ledger_posting")
    assert _one("SELECT SUM(amount_minor) FROM ledger_posting") == 0


def test_it_refuses_to_edit_the_audit_chain(posted: dict[str, str]) -> None:
    _refused("UPDATE audit_record SET actor = 'someone else'")
    _refused("DELETE FROM audit_record")
    if connection.vendor == "postgresql":
        _refused("TRUNCATE audit_record")
        _refused("TRUNCATE ledger_posting CASCADE")


def test_it_refuses_a_negative_client_ledger_balance(posted: dict[str, str]) -> None:
    _refused("UPDATE ledger_account SET balance_minor = -1 WHERE kind = 'client'")
    _refused("UPDATE ledger_account SET balance_minor = -1 WHERE kind = 'firm_funds'")


def test_it_refuses_to_change_what_a_ledger_account_is(posted: dict[str, str]) -> None:
    _refused("UPDATE ledger_account SET currency = 'EUR' WHERE kind = 'client'")
    _refused("UPDATE ledger_account SET kind = 'fee_income' WHERE kind = 'client'")


def _entry_columns(entry_id: int) -> tuple[str, list[object]]:
    source = "SELECT 'je_forged{0}', kind, effective_date, recorded_at, recorded_by, " \
             "bank_account_id, matter_id, amount_minor, currency, method, reference, invoice_ref, " \
             "is_uncleared_override FROM ledger_journal_entry LIMIT 1"
    insert = ("INSERT INTO ledger_journal_entry (id, public_id, kind, effective_date, recorded_at, "
              "recorded_by, bank_account_id, matter_id, amount_minor, currency, method, reference, "
              f"invoice_ref, is_uncleared_override) SELECT {entry_id}, " + source[7:].format(entry_id))
    return insert, []


def test_it_refuses_an_entry_whose_postings_do_not_sum_to_zero(posted: dict[str, str]) -> None:
    bank_id, ledger_id, currency = _posting_target()
    insert_entry, _ = _entry_columns(999)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO ledger_posting (entry_id, ledger_account_id, bank_account_id, "
                "effective_date, amount_minor, currency, balance_after_minor) "
                "VALUES (999, %s, %s, '2026-03-10', -500, %s, 600)", [ledger_id, bank_id, currency])
            cursor.execute(insert_entry)
    assert _one("SELECT COUNT(*) FROM ledger_journal_entry") == 1


def test_it_refuses_a_posting_added_to_an_entry_already_posted(posted: dict[str, str]) -> None:
    bank_id, ledger_id, currency = _posting_target()
    entry_id = _one("SELECT id FROM ledger_journal_entry")
    _refused("INSERT INTO ledger_posting (entry_id, ledger_account_id, bank_account_id, "
             "effective_date, amount_minor, currency, balance_after_minor) "
             "VALUES (%s, %s, %s, '2026-03-10', -1, %s, 0)", [entry_id, ledger_id, bank_id, currency])


def test_it_refuses_a_posting_dated_inside_a_locked_period(posted: dict[str, str]) -> None:
    bank_id, ledger_id, currency = _posting_target()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger_period_lock (bank_account_id, through_date, locked_at, "
                       "locked_by, reference) VALUES (%s, '2026-03-31', '2026-04-02T10:00:00Z', "
                       "'test', '')", [bank_id])
    _refused("INSERT INTO ledger_posting (entry_id, ledger_account_id, bank_account_id, "
             "effective_date, amount_minor, currency, balance_after_minor) "
             "VALUES (998, %s, %s, '2026-03-15', -1, %s, 0)", [ledger_id, bank_id, currency])


def test_a_declared_maintenance_window_is_the_only_way_past(posted: dict[str, str]) -> None:
    with transaction.atomic(), maintenance.window("rekey"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_journal_entry SET memo = memo")
    _refused("UPDATE ledger_journal_entry SET memo = memo")
    with transaction.atomic(), maintenance.window("rekey"):
        _refused("DELETE FROM ledger_journal_entry")  # rekey never allows a delete


def _posting_target() -> tuple[int, int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_account_id, id, currency FROM ledger_account "
                       "WHERE kind = 'client' LIMIT 1")
        bank_id, ledger_id, currency = cursor.fetchone()
    return bank_id, ledger_id, currency
