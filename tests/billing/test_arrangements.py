"""Fee arrangements: flat (whole matter or per task), capped, contingency with its settlement
statement and trust disbursements, evergreen retainers with replenishment requests."""

from __future__ import annotations

import pytest

from lawledger.billing import services
from lawledger.billing.models import Invoice, ReplenishmentRequest, Settlement
from lawledger.core.errors import ClientLedgerOverdraft, InvalidInput
from lawledger.ledger.models import JournalEntry
from tests import factories
from tests.billing.builders import Firm, billing_firm, draft, expense, finalize, show, time
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm() -> Firm:
    return billing_firm()


def _arrange(firm: Firm, kind: str, **kwargs: object) -> None:
    services.arrangement_set(actor=OPERATOR, matter=firm.matter, kind=kind, **kwargs)


def test_a_flat_fee_is_billed_once_and_the_time_is_shown_at_no_charge(firm: Firm) -> None:
    _arrange(firm, "flat", amount="2500.00")
    time(firm, minutes=120)
    first = show(draft(firm).public_id)
    assert [(line["kind"], line["amount"], line["adjustment_reason"]) for line in first["lines"]] == [
        ("fee", "0.00", "included in the flat fee"), ("adjustment", "2500.00", None)]
    assert first["total"] == "2500.00"
    finalize(Invoice.objects.get(public_id=first["id"]))
    time(firm, minutes=60, date="2026-04-10")
    second = show(draft(firm, through="2026-04-30").public_id)
    assert second["total"] == "0.00"


def test_a_flat_fee_per_task_covers_that_task_only(firm: Firm) -> None:
    _arrange(firm, "flat", task_fees=["L120=800.00"])
    time(firm, minutes=60, task="L120")
    time(firm, minutes=60, task="L110")
    document = show(draft(firm).public_id)
    assert [(line["task"], line["amount"]) for line in document["lines"]][:2] == [
        ("L120", "0.00"), ("L110", "300.00")]
    assert document["lines"][2]["description"] == "Flat fee L120 Analysis/Strategy"
    assert document["total"] == "1100.00"


def test_a_capped_matter_never_bills_more_fees_than_the_cap(firm: Firm) -> None:
    _arrange(firm, "capped", cap="500.00")
    time(firm, minutes=60)
    finalize(draft(firm))
    time(firm, minutes=60, date="2026-04-10")
    expense(firm, amount="40.00", date="2026-04-11")
    document = show(draft(firm, through="2026-04-30").public_id)
    assert [(line["code"], line["amount"]) for line in document["lines"] if line["kind"] == "adjustment"] == [
        ("fee_cap", "-100.00")]
    assert (document["fees"], document["expenses"], document["total"]) == (
        "200.00", "40.00", "240.00")


def test_a_settlement_pays_fee_costs_liens_and_the_client_from_trust(firm: Firm) -> None:
    _arrange(firm, "contingency", tiers=["100000.00:33.33", ":25"])
    time(firm, minutes=600)
    expense(firm, amount="500.00")
    factories.deposit(firm.matter, "150000.00", payor="Insurer")
    settlement = services.settlement_record(actor=OPERATOR, matter=firm.matter,
                                            gross="150000.00", date="2026-04-15",
                                            account="IOLTA", liens=["City Hospital=10000.00"])
    assert (settlement.fee_minor, settlement.costs_minor, settlement.net_minor) == (
        3_333_000 + 1_250_000, 50_000, 15_000_000 - 4_583_000 - 50_000 - 1_000_000)
    invoice = show(settlement.invoice.number)
    assert invoice["total"] == "46330.00" and invoice["status"] == "paid"
    kinds = list(JournalEntry.objects.filter(public_id__in=settlement.entries)
                 .order_by("id").values_list("kind", "amount_minor"))
    assert kinds == [("earned_fee", 4_633_000), ("disbursement", 1_000_000),
                     ("disbursement", 9_367_000)]
    assert factories.balance(firm.matter) == "0.00"


def test_a_settlement_larger_than_the_trust_balance_records_nothing(firm: Firm) -> None:
    _arrange(firm, "contingency", tiers=[":30"])
    factories.deposit(firm.matter, "1000.00")
    with pytest.raises(ClientLedgerOverdraft):
        services.settlement_record(actor=OPERATOR, matter=firm.matter, gross="50000.00",
                                   date="2026-04-15", account="IOLTA")
    assert Settlement.objects.count() == 0 and Invoice.objects.count() == 0
    assert factories.balance(firm.matter) == "1000.00"


def test_only_a_contingency_matter_settles(firm: Firm) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.settlement_record(actor=OPERATOR, matter=firm.matter, gross="100.00",
                                   date="2026-04-15")
    assert caught.value.param == "matter"


def test_an_evergreen_retainer_asks_for_replenishment_when_trust_falls_below_it(
        firm: Firm) -> None:
    _arrange(firm, "evergreen", minimum="1000.00")
    factories.deposit(firm.matter, "1200.00")
    time(firm, minutes=120)
    invoice = finalize(draft(firm))
    assert ReplenishmentRequest.objects.count() == 0
    services.invoice_pay(actor=OPERATOR, invoice=invoice.number, amount="600.00",
                         date="2026-04-02", from_trust=True, account="IOLTA")
    request = ReplenishmentRequest.objects.get()
    assert (request.balance_minor, request.minimum_minor, request.requested_minor) == (
        60_000, 100_000, 40_000)
    assert services.replenishment_check(actor=OPERATOR, matter=firm.matter) == []


@pytest.mark.parametrize(("kind", "kwargs", "param"), [
    ("flat", {}, "amount"), ("capped", {}, "cap"), ("evergreen", {}, "minimum"),
    ("contingency", {"tiers": ["50000.00:30"]}, "tier"), ("weekly", {}, "kind"),
    ("flat", {"task_fees": ["L100=5.00"]}, "task_fee"),
])
def test_it_refuses_an_incomplete_arrangement_naming_the_field(firm: Firm, kind: str,
                                                               kwargs: dict, param: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _arrange(firm, kind, **kwargs)
    assert caught.value.param == param
