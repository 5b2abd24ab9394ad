"""Billing over the API, the second set: editing and deleting time, taking a line off a pre-bill
or deleting it, applying and refunding a client's credit, the billing settings and the
earned-fees-left-in-trust report.

As in `routers/billing.py`, every operation calls billing's services and queries, which go
through the access policy and write their own audit records; the endpoint wrapper adds the
`api.request` record in the same transaction. A token limited to some clients reaches only their
matters, invoices and payments (anything else is the same 404 as a missing id) and not the
firm-wide settings or report. Applying and refunding credit move money: they require an
Idempotency-Key. Changes and deletions are POSTs, like every other action of this API.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.params import functions as params

from lawledger.access.policy import get_client
from lawledger.apitokens.scopes import Scope
from lawledger.billing import queries as billing_queries
from lawledger.billing import services as billing_services
from lawledger.billing.common import BillingAct
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.rates import rate_for
from lawledger.billing.settings import settings_document
from lawledger.core.billing import hours_text
from lawledger.core.errors import CurrencyMismatch, InvalidInput
from lawledger.core.money import format_minor
from lawledger.interfaces.api.auth import Caller, caller_of
from lawledger.interfaces.api.billing_more_schemas import (
    BillingSettingsIn,
    BillingSettingsOut,
    CreditApplicationOut,
    CreditApplyIn,
    DeletedOut,
    EarnedFeesOut,
    LineRemoveIn,
    RefundIn,
    RefundOut,
    TimeEditIn,
)
from lawledger.interfaces.api.billing_schemas import AsOfQuery, InvoiceOut, TimeOut
from lawledger.interfaces.api.endpoint import (
    IDEMPOTENCY_KEY_OPTIONAL,
    IDEMPOTENCY_KEY_REQUIRED,
    Keys,
)
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import PATH_REF

router = Router(tags=["billing"])

AS_OF_QUERY: Any = params.Query(...)
LINE_NUMBER: Any = params.Path(..., ge=1, le=100000)
_ENTRY_PARAMS = {"entry": "entry_id", "idempotency_key": "Idempotency-Key"}
_INVOICE_PARAMS = {"invoice": "invoice_id", "idempotency_key": "Idempotency-Key"}


def _entry(caller: Caller, ref: str) -> None:
    """The entry's matter through the policy, and only if the token covers its client (else 404)."""
    matter = billing_queries.time_entry_matter(caller.principal, ref, param="entry_id")
    caller.matter(matter.number, param="entry_id")


def _invoice(caller: Caller, ref: str) -> None:
    invoice = get_invoice(caller.principal, ref, BillingAct.VIEW, param="invoice_id")
    caller.matter(invoice.matter.number, param="invoice_id")


def _time_out(entry: Any) -> TimeOut:
    rate = rate_for(entry.timekeeper_id, entry.matter, entry.work_date)
    return TimeOut(id=entry.public_id, matter=entry.matter.number,
                   date=entry.work_date.isoformat(), timekeeper=entry.timekeeper.email,
                   minutes=entry.minutes_worked, billable_minutes=entry.minutes_billable,
                   hours=hours_text(entry.minutes_billable), task=entry.task_code or None,
                   activity=entry.activity_code or None, status=entry.billing_status,
                   rate=format_minor(rate.rate_minor_per_hour, rate.currency) if rate else None,
                   rate_source=rate.scope.value if rate else None)


# time ---------------------------------------------------------------------------------------

@operation(router, "post", "/time-entries/{entry_id}", scope=Scope.TIME_WRITE, response=TimeOut,
           operation_id="editTime", summary="Change a time entry", keys=Keys.OPTIONAL,
           params=_ENTRY_PARAMS)
def edit_time(request: HttpRequest, payload: TimeEditIn, entry_id: str = PATH_REF,
              idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> TimeOut:
    """Only the fields sent change. Unbilled or on a pre-bill (which is rebuilt); an entry on a
    finalized invoice is refused (409: correct it with a credit note)."""
    caller = caller_of(request)
    _entry(caller, entry_id)
    changes = payload.model_dump(exclude_none=True)
    if not changes:
        raise InvalidInput("body: send at least one field to change", param="body")
    entry = billing_services.time_update(
        actor=caller.principal, entry=entry_id, minutes=payload.minutes, date=payload.date,
        narrative=payload.narrative, task=payload.task, activity=payload.activity,
        status=payload.status)
    return _time_out(entry)


@operation(router, "post", "/time-entries/{entry_id}/delete", scope=Scope.TIME_WRITE,
           response=DeletedOut, operation_id="deleteTime", summary="Delete a time entry",
           keys=Keys.OPTIONAL, params=_ENTRY_PARAMS)
def delete_time(request: HttpRequest, entry_id: str = PATH_REF,
                idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> DeletedOut:
    """Unbilled or on a pre-bill (which is rebuilt); never one on a finalized invoice (409)."""
    caller = caller_of(request)
    _entry(caller, entry_id)
    billing_services.time_delete(actor=caller.principal, entry=entry_id)
    return DeletedOut(id=entry_id, deleted=True)


# pre-bills ----------------------------------------------------------------------------------

@operation(router, "post", "/invoices/{invoice_id}/lines/{line}/remove",
           scope=Scope.BILLING_WRITE, response=InvoiceOut, operation_id="removeInvoiceLine",
           summary="Take a line off a pre-bill", keys=Keys.OPTIONAL,
           params={**_INVOICE_PARAMS, "line": "line"})
def remove_invoice_line(request: HttpRequest, payload: LineRemoveIn, invoice_id: str = PATH_REF,
                        line: int = LINE_NUMBER,
                        idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> InvoiceOut:
    """The work goes back to work in progress, or (`non_billable`, with a reason) is never
    billed."""
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    invoice = billing_services.invoice_line_remove(
        actor=caller.principal, invoice=invoice_id, line=line,
        non_billable=payload.non_billable, reason=payload.reason)
    return InvoiceOut(**billing_queries.invoice_document(caller.principal, invoice.public_id))


@operation(router, "post", "/invoices/{invoice_id}/delete", scope=Scope.BILLING_WRITE,
           response=DeletedOut, operation_id="deleteDraft", summary="Delete a pre-bill",
           keys=Keys.OPTIONAL, params=_INVOICE_PARAMS)
def delete_draft(request: HttpRequest, invoice_id: str = PATH_REF,
                 idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> DeletedOut:
    """Its time and expenses go back to work in progress; a finalized invoice is refused (409)."""
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    billing_services.invoice_delete(actor=caller.principal, invoice=invoice_id)
    return DeletedOut(id=invoice_id, deleted=True)


# credit -------------------------------------------------------------------------------------

@operation(router, "post", "/clients/{client_id}/credit-applications",
           scope=Scope.BILLING_WRITE, response=CreditApplicationOut, operation_id="applyCredit",
           summary="Apply a client's unapplied credit to open invoices", keys=Keys.REQUIRED,
           params={"client": "client_id", "idempotency_key": "Idempotency-Key"})
def apply_credit(request: HttpRequest, payload: CreditApplyIn, client_id: str = PATH_REF,
                 idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> CreditApplicationOut:
    """Unapplied payments and credit notes, oldest first, to the oldest open invoices."""
    caller = caller_of(request)
    client = caller.check_client(get_client(caller.principal, client_id, param="client_id"),
                                 param="client_id")
    applied = billing_services.credit_apply(actor=caller.principal, client=client.number,
                                            date=payload.date)
    rows = [{"invoice": invoice.number, "amount": format_minor(amount, invoice.currency),
             "currency": invoice.currency} for invoice, amount in applied]
    return CreditApplicationOut(client=client.number, applied=rows)  # type: ignore[arg-type]


@operation(router, "post", "/credit-refunds", scope=Scope.BILLING_WRITE, response=RefundOut,
           status=201, operation_id="refundCredit",
           summary="Refund the unapplied credit of a payment or credit note", keys=Keys.REQUIRED,
           params={"ref": "reference", "idempotency_key": "Idempotency-Key"})
def refund_credit(request: HttpRequest, payload: RefundIn,
                  idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> RefundOut:
    """At most what is unapplied (409 `overpayment` beyond it)."""
    caller = caller_of(request)
    refund = billing_services.refund_record(
        actor=caller.principal, source=payload.source, amount=payload.amount, date=payload.date,
        method=payload.method, reference=payload.reference)
    # The source's client is known only once found: refused here, the refund rolls back.
    caller.check_client(refund.client, param="source")
    if refund.currency != payload.currency:
        raise CurrencyMismatch(f"currency: the credit is in {refund.currency}", param="currency")
    return RefundOut(id=refund.public_id, source=payload.source, client=refund.client.number,
                     amount=format_minor(refund.amount_minor, refund.currency),
                     currency=refund.currency, date=refund.refunded_on.isoformat(),
                     method=refund.method, reference=refund.reference or None)


# settings and report ------------------------------------------------------------------------

@operation(router, "get", "/billing-settings", scope=Scope.BILLING_READ,
           response=BillingSettingsOut, operation_id="getBillingSettings",
           summary="The billing settings")
def get_billing_settings(request: HttpRequest) -> BillingSettingsOut:
    """Tax, payment terms, pre-bill approval and the firm's LEDES id (firm-wide)."""
    caller_of(request).require_firm_wide()
    return BillingSettingsOut(**settings_document())


@operation(router, "post", "/billing-settings", scope=Scope.BILLING_WRITE,
           response=BillingSettingsOut, operation_id="setBillingSettings",
           summary="Change billing settings", keys=Keys.OPTIONAL,
           params={"idempotency_key": "Idempotency-Key"})
def set_billing_settings(request: HttpRequest, payload: BillingSettingsIn,
                         idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL
                         ) -> BillingSettingsOut:
    """Only the settings sent change, all or none; billing management (an admin) only."""
    caller = caller_of(request)
    caller.require_firm_wide()
    changes = payload.model_dump(exclude_none=True)
    if not changes:
        raise InvalidInput("body: send at least one setting to change", param="body")
    for key, value in changes.items():
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        billing_services.billing_set(actor=caller.principal, key=key, value=text)
    return BillingSettingsOut(**settings_document())


@operation(router, "get", "/reports/earned-fees-left-in-trust", scope=Scope.BILLING_READ,
           response=EarnedFeesOut, operation_id="reportEarnedFeesInTrust",
           summary="Earned fees left in trust", query=AsOfQuery)
def report_earned_fees(request: HttpRequest, filters: AsOfQuery = AS_OF_QUERY) -> EarnedFeesOut:
    """Finalized invoices unpaid past the firm's limit whose client ledger holds money (I4)."""
    caller = caller_of(request)
    caller.require_firm_wide()
    return EarnedFeesOut(**billing_queries.earned_fees_left_in_trust(caller.principal,
                                                                     filters.as_of))
