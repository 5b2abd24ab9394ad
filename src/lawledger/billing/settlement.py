"""A contingency matter's settlement: the statement and the trust disbursements that carry it out.

The recovery is already in trust (deposited on the matter's client ledger). Recording the
settlement, in one transaction:
1. bills the contingency fee (tiers of the gross) and the unbilled costs on a finalized invoice;
2. pays that invoice from trust — an earned-fee transfer through the ledger engine;
3. pays each lien holder (a trust disbursement);
4. pays the rest to the client (a trust disbursement).
Every trust rule applies to each step; if any refuses, nothing at all is recorded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from lawledger.audit.services import record
from lawledger.billing.arrangements import current_arrangement, tiers_of
from lawledger.billing.common import (
    BillingAct,
    billing_matter,
    clean_amount,
    clean_date,
    clean_text,
)
from lawledger.billing.events import BillingEvent
from lawledger.billing.finalize import seal
from lawledger.billing.invoicing import OPEN, approve, rebuild, unbilled_filters
from lawledger.billing.models import Expense, FeeArrangement, Invoice, Settlement, TimeEntry
from lawledger.core import clock
from lawledger.core.access import Principal
from lawledger.core.billing import contingency_fee, format_basis_points, settlement_statement
from lawledger.core.errors import InvalidInput
from lawledger.core.money import format_minor, format_minor_grouped

CONTINGENCY_KEY = "CF"  # the fee line's internal key (not a UTBMS code)


def _liens(texts: list[str], currency: str) -> list[tuple[str, int]]:
    liens = []
    for text in texts:
        payee, sep, amount = (text or "").rpartition("=")
        if not sep or not payee.strip():
            raise InvalidInput(f"lien: {text!r} is not PAYEE=AMOUNT", param="lien")
        liens.append((clean_text(payee, param="lien", max_length=200, required=True),
                      clean_amount(amount.strip(), currency, param="lien")))
    return liens


def _fee_label(arrangement: FeeArrangement, gross: int) -> str:
    tiers = ", ".join(f"{format_basis_points(int(bp))}%" for _, bp in arrangement.tiers)
    return (f"Contingency fee ({tiers}) on a recovery of "
            f"{format_minor_grouped(gross, arrangement.currency)}")


def _settlement_invoice(actor: Principal, matter: Any, arrangement: FeeArrangement, day: dt.date,
                        *, fee: int, gross: int) -> Invoice:
    invoice = Invoice.objects.select_for_update().filter(
        matter=matter, kind=Invoice.Kind.INVOICE, status__in=OPEN).first()
    if invoice is None:
        invoice = Invoice(matter=matter, client=matter.client, currency=arrangement.currency,
                          period_end=day, created_at=clock.now(), created_by=actor.label)
    invoice.period_end = max(invoice.period_end, day)
    invoice.save()
    entries, expenses = unbilled_filters(matter, day)
    TimeEntry.objects.filter(entries).update(invoice=invoice)
    Expense.objects.filter(expenses).update(invoice=invoice)
    rebuild(invoice, arrangement=arrangement,
            extra_fees=((CONTINGENCY_KEY, fee, _fee_label(arrangement, gross)),))
    approve(actor, invoice, implicit=True)
    seal(actor, invoice, day)
    return invoice


def settlement_record(*, actor: Principal, matter: str, gross: str | int, date: str | dt.date,
                      account: str | None = None, liens: list[str] | None = None) -> Settlement:
    day = clean_date(date)
    from lawledger.billing.payments import invoice_pay
    from lawledger.ledger.services import trust_disbursement_record

    with transaction.atomic():
        matter_row = billing_matter(actor, matter, BillingAct.MANAGE, for_update=True)
        arrangement = current_arrangement(matter_row, day)
        if arrangement is None or arrangement.kind != FeeArrangement.Kind.CONTINGENCY:
            raise InvalidInput(f"matter: {matter_row.number} is not on a contingency fee",
                               param="matter")
        currency = arrangement.currency
        gross_minor = clean_amount(gross, currency, param="gross")
        lien_list = _liens(liens or [], currency)
        tiers = tiers_of(arrangement)
        fee = contingency_fee(gross_minor, tiers)
        invoice = _settlement_invoice(actor, matter_row, arrangement, day, fee=fee,
                                      gross=gross_minor)
        statement = settlement_statement(gross_minor, tiers, invoice.total_minor - fee, lien_list)
        entries = []
        if invoice.total_minor > 0:
            paid = invoice_pay(actor=actor, invoice=invoice.public_id, amount=invoice.total_minor,
                               date=day, from_trust=True, account=account)
            entries.append(paid.payment.trust_entry)
        lien_entries = []
        for payee, amount in lien_list:
            posted = trust_disbursement_record(actor=actor, matter=matter_row.number,
                                               amount=amount, account=account, date=day,
                                               payee=payee, purpose="lien paid from settlement")
            lien_entries.append([posted.entry.public_id, amount])
            entries.append(posted.entry.public_id)
        if statement.net_to_client_minor > 0:
            posted = trust_disbursement_record(actor=actor, matter=matter_row.number,
                                               amount=statement.net_to_client_minor,
                                               account=account, date=day,
                                               payee=matter_row.client.name,
                                               purpose="settlement proceeds to the client")
            entries.append(posted.entry.public_id)
        settlement = Settlement(matter=matter_row, settled_on=day, account=account or "",
                                currency=currency, gross_minor=gross_minor, fee_minor=fee,
                                costs_minor=statement.costs_minor, liens=lien_entries,
                                net_minor=statement.net_to_client_minor, invoice=invoice,
                                entries=entries, recorded_at=clock.now(), recorded_by=actor.label)
        settlement.save(force_insert=True)
        record(actor, BillingEvent.SETTLEMENT_RECORDED, object_type="settlement",
               object_id=settlement.public_id, matter_ref=matter_row.number,
               client_ref=matter_row.client.number,
               details={"gross": format_minor(gross_minor, currency),
                        "fee": format_minor(fee, currency),
                        "net": format_minor(statement.net_to_client_minor, currency),
                        "invoice": invoice.number, "entries": entries})
    return settlement


def settlement_document(settlement: Settlement) -> dict[str, Any]:
    currency = settlement.currency
    return {
        "id": settlement.public_id, "matter": settlement.matter.number,
        "date": settlement.settled_on.isoformat(), "currency": currency,
        "gross_recovery": format_minor(settlement.gross_minor, currency),
        "fee": format_minor(settlement.fee_minor, currency),
        "costs": format_minor(settlement.costs_minor, currency),
        "liens": [{"entry": entry, "amount": format_minor(int(amount), currency)}
                  for entry, amount in settlement.liens],
        "net_to_client": format_minor(settlement.net_minor, currency),
        "invoice": settlement.invoice.number if settlement.invoice else None,
        "entries": settlement.entries,
    }
