"""The database itself holds billing's rules, even against raw SQL that bypasses Python (I2):
finalized invoices, their lines and entries never change; numbers are gapless and unique;
nothing is applied beyond what an invoice, payment or credit note holds."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from lawledger.billing import services
from lawledger.billing.models import Invoice
from tests.billing.builders import Firm, billing_firm, draft, finalize, time
from tests.factories import OPERATOR

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
def final() -> tuple[Firm, Invoice]:
    firm = billing_firm()
    time(firm)
    return firm, finalize(draft(firm))


def test_it_refuses_to_update_or_delete_a_finalized_invoice(final: tuple[Firm, Invoice]) -> None:
    _, invoice = final
    _refused("UPDATE billing_invoice SET total_minor = 1 WHERE id = %s", [invoice.pk])
    _refused("UPDATE billing_invoice SET status = 'draft', number = NULL, sequence_number = NULL "
             "WHERE id = %s", [invoice.pk])
    _refused("DELETE FROM billing_invoice WHERE id = %s", [invoice.pk])
    assert _one("SELECT total_minor FROM billing_invoice WHERE id = %s", [invoice.pk]) == 30000
    if connection.vendor == "postgresql":
        _refused("TRUNCATE billing_invoice CASCADE")


def test_it_refuses_to_touch_the_lines_and_entries_of_a_finalized_invoice(
        final: tuple[Firm, Invoice]) -> None:
    _, invoice = final
    _refused("UPDATE billing_invoice_line SET amount_minor = 0, standard_minor = 0 "
             "WHERE invoice_id = %s", [invoice.pk])
    _refused("DELETE FROM billing_invoice_line WHERE invoice_id = %s", [invoice.pk])
    _refused("INSERT INTO billing_invoice_line (invoice_id, number, kind, category, code, "
             "line_date, standard_minor, adjustment_minor, adjustment_reason, amount_minor, "
             "task_code, activity_code, expense_code, is_no_charge, label) VALUES "
             "(%s, 99, 'adjustment', 'fees', '', '2026-03-31', 5, 0, '', 5, '', '', '', %s, 'x')",
             [invoice.pk, False])
    _refused("UPDATE billing_time_entry SET minutes_billable = 600 WHERE invoice_id = %s",
             [invoice.pk])
    _refused("UPDATE billing_time_entry SET invoice_id = NULL WHERE invoice_id = %s", [invoice.pk])
    _refused("DELETE FROM billing_time_entry WHERE invoice_id = %s", [invoice.pk])


def test_it_refuses_an_invoice_born_final_and_a_number_out_of_sequence(
        final: tuple[Firm, Invoice]) -> None:
    firm, _ = final
    time(firm, date="2026-03-20")
    pending = draft(firm)
    _refused("UPDATE billing_invoice SET status = 'finalized', number = '00007', "
             "sequence_number = 7, issue_date = '2026-04-02' WHERE id = %s", [pending.pk])
    _refused("UPDATE billing_invoice SET status = 'finalized', number = '00001', "
             "sequence_number = 1, issue_date = '2026-04-02' WHERE id = %s", [pending.pk])
    _refused("UPDATE billing_invoice_sequence SET next_value = next_value + 5")
    _refused("INSERT INTO billing_invoice (public_id, kind, matter_id, client_id, status, number, "
             "sequence_number, currency, period_end, issue_date, fees_minor, expenses_minor, "
             "tax_minor, total_minor, finalized_by, created_at, created_by) SELECT 'inv_forged', "
             "kind, matter_id, client_id, 'finalized', '00002', 2, currency, period_end, "
             "issue_date, 0, 0, 0, 0, '', created_at, created_by FROM billing_invoice LIMIT 1")
    assert finalize(pending).number == "00002"


def test_it_refuses_to_apply_more_than_an_invoice_or_a_payment_holds(
        final: tuple[Firm, Invoice]) -> None:
    _, invoice = final
    result = services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="500.00",
                                  date="2026-04-02")
    payment_id = result.payment.pk
    _refused("INSERT INTO billing_allocation (invoice_id, kind, payment_id, amount_minor, "
             "applied_on, reason, recorded_at, recorded_by) VALUES (%s, 'payment', %s, 1, "
             "'2026-04-03', '', '2026-04-03T00:00:00Z', 'x')", [invoice.pk, payment_id])
    _refused("INSERT INTO billing_refund (public_id, client_id, payment_id, amount_minor, currency, "
             "refunded_on, method, reference, recorded_at, recorded_by) SELECT 'rf_forged', "
             "client_id, id, 20001, currency, '2026-04-03', 'check', '', recorded_at, 'x' "
             "FROM billing_payment WHERE id = %s", [payment_id])
    _refused("UPDATE billing_payment SET amount_minor = 1")
    _refused("DELETE FROM billing_allocation")




@pytest.mark.django_db(transaction=True)
def test_two_threads_finalizing_at_once_take_numbers_1_and_2() -> None:
    from tests import factories

    firm = billing_firm()
    second = factories.matter(firm.client, "Second matter", responsible=firm.attorney)
    time(firm)
    time(firm, matter=second)
    drafts = [draft(firm).public_id, draft(firm, matter=second).public_id]
    barrier = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def run(ref: str) -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(services.invoice_finalize(actor=OPERATOR, invoice=ref,
                                                     date="2026-04-01").number or "")
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(ref,)) for ref in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(numbers) == ["00001", "00002"]
    assert sorted(Invoice.objects.values_list("sequence_number", flat=True)) == [1, 2]
