"""Unclaimed and residual balances: the SRA's £500.00 / £500.01 threshold and Ontario's two
years, through the real ledger services, with the register and its database backstop."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError, connection, transaction

from lawledger.audit.models import AuditRecord
from lawledger.core.errors import InvalidInput
from lawledger.firm.services import firm_set
from lawledger.jurisdictions.errors import ResidualNeedsAuthorisation, UnclaimedTooRecent
from lawledger.jurisdictions.models import ResidualPayment
from lawledger.jurisdictions.queries import residual_register, unclaimed_report
from lawledger.jurisdictions.services import residual_payment_record
from lawledger.ledger.models import JournalEntry
from lawledger.ledger.queries import entry_detail
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2026, 3, 20, 10, 0, tzinfo=dt.UTC)
STEPS = "Letters to the last known address (2024-06, 2025-01); tracing agent search, no trace"


def _firm(code: str, currency: str, *balances: str) -> list[str]:
    factories.firm(uncleared_funds="off")
    firm_set(actor=OPERATOR, key="jurisdiction", value=code)
    factories.trust_account("Client Account", currency=currency)
    matters = []
    for n, amount in enumerate(balances):
        matter = factories.matter(factories.client(f"Client {n}"), f"Matter {n}")
        factories.deposit(matter, amount, date="2024-03-15", account="Client Account")
        matters.append(matter)
    return matters


def _sra_pay(matter: str, **kwargs: str) -> ResidualPayment:
    payment, _ = residual_payment_record(
        actor=OPERATOR, matter=matter, date="2026-03-20", steps_taken=STEPS,
        payee=kwargs.pop("payee", "Shelter"), charity_number=kwargs.pop("charity", "263710"),
        **kwargs)
    return payment


@time_machine.travel(TODAY, tick=False)
def test_the_sra_lets_a_500_00_residual_go_to_charity_with_its_records() -> None:
    (matter,) = _firm("ew", "GBP", "500.00")
    payment = _sra_pay(matter)
    assert factories.balance(matter, "Client Account") == "0.00"
    detail = entry_detail(OPERATOR, payment.entry.public_id)
    assert (detail["kind"], detail["amount"], detail["currency"], detail["payee"],
            detail["reference"], detail["memo"]) == (
        "disbursement", "500.00", "GBP", "Shelter", "263710", f"Steps taken: {STEPS}")
    assert detail["purpose"].startswith("residual client balance paid to charity (SRA Accounts "
                                        "Rules 2019 rule 5.1(c);")
    (row,) = residual_register(OPERATOR)["payments"]
    assert {k: row[k] for k in ("date", "matter", "owner", "amount", "currency", "kind", "payee",
                                "charity_number", "authorisation", "steps_taken",
                                "last_activity", "months_inactive")} == {
        "date": "2026-03-20", "matter": matter, "owner": "Client 0", "amount": "500.00",
        "currency": "GBP", "kind": "charity", "payee": "Shelter", "charity_number": "263710",
        "authorisation": None, "steps_taken": STEPS, "last_activity": "2024-03-15",
        "months_inactive": 24}
    audit = AuditRecord.objects.get(event="jurisdiction.residual_paid")
    assert (audit.matter_ref, audit.details["amount"], audit.details["kind"]) == (
        matter, "500.00", "charity")


@time_machine.travel(TODAY, tick=False)
def test_the_sra_refuses_500_01_without_its_authorisation_and_writes_nothing() -> None:
    (matter,) = _firm("ew", "GBP", "500.01")
    entries = JournalEntry.objects.count()
    with pytest.raises(ResidualNeedsAuthorisation) as refused:
        _sra_pay(matter)
    assert refused.value.code == "residual_balance_needs_authorisation"
    assert refused.value.message.startswith("500.01 GBP is more than 500.00 GBP: the SRA must "
                                            "authorise it first")
    assert (JournalEntry.objects.count(), ResidualPayment.objects.count()) == (entries, 0)
    assert factories.balance(matter, "Client Account") == "500.01"
    payment = _sra_pay(matter, authorisation_reference="SRA/AUTH/2026/118")
    assert (payment.amount_minor, payment.authorisation_reference) == (50_001,
                                                                       "SRA/AUTH/2026/118")
    assert entry_detail(OPERATOR, payment.entry.public_id)["reference"] == "SRA/AUTH/2026/118"


@time_machine.travel(TODAY, tick=False)
def test_a_charity_payment_without_the_charity_number_is_bad_input() -> None:
    (matter,) = _firm("ew", "GBP", "20.00")
    with pytest.raises(InvalidInput) as refused:
        _sra_pay(matter, charity="")
    assert refused.value.param == "charity_number"
    assert ResidualPayment.objects.count() == 0


def test_ontario_pays_the_unclaimed_trust_fund_after_two_years_not_a_day_before() -> None:
    with time_machine.travel(TODAY, tick=False):
        (matter,) = _firm("on", "CAD", "812.40")
    with pytest.raises(UnclaimedTooRecent):
        residual_payment_record(actor=OPERATOR, matter=matter, date="2026-03-14",
                                steps_taken=STEPS)
    payment, result = residual_payment_record(actor=OPERATOR, matter=matter, date="2026-03-15",
                                              steps_taken=STEPS)
    assert (payment.payee, payment.kind, payment.months_inactive, payment.amount_minor) == (
        "Law Society of Ontario (Unclaimed Trust Fund)", "remit_to_authority", 24, 81_240)
    assert result.entry.amount_minor == 81_240


@time_machine.travel(TODAY, tick=False)
def test_the_unclaimed_report_marks_what_each_balance_may_become() -> None:
    small, large = _firm("ew", "GBP", "500.00", "500.01")
    report = unclaimed_report(OPERATOR)
    assert (report["jurisdiction"], report["months"], report["rule"]["without_authorisation_max"],
            report["rule"]["authority"]) == ("ew", 24, "500.00", "the SRA")
    assert [(row["matter"], row["balance"], row["status"]) for row in report["ledgers"]] == [
        (small, "500.00", "eligible"), (large, "500.01", "needs_authorisation")]


def _raw_payment(entry: JournalEntry, *, jurisdiction: str, amount: int, currency: str,
                 months: int | None, authorisation: str = "", kind: str = "charity",
                 charity: str = "263710") -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO jurisdictions_residual_payment (public_id, entry_id, matter_id, "
            "jurisdiction, kind, amount_minor, currency, paid_on, months_inactive, owner_name, "
            "payee, steps_taken, charity_number, authorisation_reference, recorded_by, "
            "recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'x', 'x', 'x', %s, %s, "
            "'sql', %s)",
            ["rp_raw" + str(amount), entry.pk, entry.matter_id, jurisdiction, kind, amount,
             currency, dt.date(2026, 3, 20), months, charity, authorisation,
             dt.datetime(2026, 3, 20, tzinfo=dt.UTC)])


@time_machine.travel(TODAY, tick=False)
def test_the_database_refuses_a_register_row_that_breaks_its_pack_rule() -> None:
    (matter,) = _firm("ew", "GBP", "900.00")
    entry = JournalEntry.objects.get(matter__number=matter)
    for bad in ({"jurisdiction": "ew", "amount": 50_001, "currency": "GBP", "months": 30},
                {"jurisdiction": "ew", "amount": 100, "currency": "EUR", "months": 30},
                {"jurisdiction": "ew", "amount": 100, "currency": "GBP", "months": 30,
                 "charity": ""},
                {"jurisdiction": "on", "amount": 100, "currency": "CAD", "months": 23,
                 "kind": "remit_to_authority"},
                {"jurisdiction": "on", "amount": 100, "currency": "CAD", "months": None,
                 "kind": "remit_to_authority"}):
        with pytest.raises(IntegrityError):
            _raw_payment(entry, **bad)  # type: ignore[arg-type]
    _raw_payment(entry, jurisdiction="ew", amount=50_001, currency="GBP", months=30,
                 authorisation="SRA/1")
    assert ResidualPayment.objects.count() == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE jurisdictions_residual_payment SET authorisation_reference = ''")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM jurisdictions_residual_payment")
    assert ResidualPayment.objects.get().authorisation_reference == "SRA/1"
