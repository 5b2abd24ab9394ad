"""Billing over the API: time, expenses, pre-bills and invoices, payments, LEDES and reports.

Every operation calls billing's services and queries, which fetch matters and invoices through
the access policy and write their own audit records; the endpoint wrapper adds the `api.request`
record in the same transaction. A token limited to some clients reaches only their matters and
invoices, and not the firm-wide reports. Payments move money: they require an Idempotency-Key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.params import functions as params

from lawledger.apitokens.scopes import Scope
from lawledger.billing import queries as billing_queries
from lawledger.billing import reports as billing_reports
from lawledger.billing import services as billing_services
from lawledger.billing.common import BillingAct
from lawledger.billing.invoicing import get_invoice
from lawledger.billing.ledes_export import ledes_export
from lawledger.core.errors import CurrencyMismatch
from lawledger.core.formats.ledes import validate as ledes_validate
from lawledger.interfaces.api.auth import Caller, caller_of
from lawledger.interfaces.api.billing_schemas import (
    AgingOut,
    AsOfQuery,
    BillingRunIn,
    BillingRunOut,
    CreditNoteIn,
    DiscountIn,
    DraftIn,
    ExpenseIn,
    ExpenseListOut,
    ExpenseOut,
    FinalizeIn,
    InvoiceOut,
    InvoicePage,
    InvoicePaymentIn,
    InvoicePdfOut,
    InvoiceSummaryOut,
    LedesIn,
    LedesOut,
    LedesReportOut,
    PaymentIn,
    PaymentOut,
    PeriodQuery,
    RealizationOut,
    StatementOut,
    TimeIn,
    TimeListOut,
    TimeOut,
    WipOut,
    WriteOffIn,
)
from lawledger.interfaces.api.endpoint import (
    IDEMPOTENCY_KEY_OPTIONAL,
    IDEMPOTENCY_KEY_REQUIRED,
    Keys,
)
from lawledger.interfaces.api.pagination import DEFAULT_LIMIT, SortKey, paginate
from lawledger.interfaces.api.routes import operation
from lawledger.interfaces.api.schemas import PATH_REF, Cursor, Limit, Ref

if TYPE_CHECKING:
    from lawledger.billing.models import Invoice

router = Router(tags=["billing"])

INVOICE_SORTS = {"period_end": SortKey("period_end", dt.date), "id": SortKey("public_id", str)}
_INVOICE_PARAMS = {"invoice": "invoice_id", "idempotency_key": "Idempotency-Key"}


class InvoiceQuery(Schema):
    matter: Ref | None = None
    client: Ref | None = None
    status: Literal["draft", "approved", "finalized"] | None = None
    sort: Literal["period_end", "-period_end", "id", "-id"] = "-period_end"
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class UnbilledQuery(Schema):
    unbilled: bool = False


INVOICE_QUERY: Any = params.Query(...)
UNBILLED_QUERY: Any = params.Query(...)
AS_OF_QUERY: Any = params.Query(...)
PERIOD_QUERY: Any = params.Query(...)


def _invoice(caller: Caller, ref: str, act: BillingAct = BillingAct.VIEW) -> Invoice:
    """The invoice through the policy, and only if the token covers its client (else 404)."""
    invoice = get_invoice(caller.principal, ref, act, param="invoice_id")
    caller.matter(invoice.matter.number, param="invoice_id")
    return invoice


def _document(caller: Caller, ref: str) -> InvoiceOut:
    return InvoiceOut(**billing_queries.invoice_document(caller.principal, ref))


# time and expenses --------------------------------------------------------------------------

@operation(router, "post", "/time-entries", scope=Scope.TIME_WRITE, response=TimeOut, status=201,
           operation_id="recordTime", summary="Record time on a matter", keys=Keys.OPTIONAL,
           params={"by": "timekeeper", "idempotency_key": "Idempotency-Key"})
def record_time(request: HttpRequest, payload: TimeIn,
                idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> TimeOut:
    """Minutes are rounded up to the firm's billing increment; the narrative is stored encrypted."""
    from lawledger.billing.rates import rate_for
    from lawledger.core.billing import hours_text
    from lawledger.core.money import format_minor

    caller = caller_of(request)
    caller.matter(payload.matter)
    entry = billing_services.time_record(
        actor=caller.principal, matter=payload.matter, minutes=payload.minutes,
        by=payload.timekeeper, date=payload.date, narrative=payload.narrative, task=payload.task,
        activity=payload.activity, no_charge=payload.status == "no_charge",
        non_billable=payload.status == "non_billable")
    rate = rate_for(entry.timekeeper_id, entry.matter, entry.work_date)
    return TimeOut(id=entry.public_id, matter=entry.matter.number,
                   date=entry.work_date.isoformat(), timekeeper=entry.timekeeper.email,
                   minutes=entry.minutes_worked, billable_minutes=entry.minutes_billable,
                   hours=hours_text(entry.minutes_billable), task=entry.task_code or None,
                   activity=entry.activity_code or None, status=entry.billing_status,
                   rate=format_minor(rate.rate_minor_per_hour, rate.currency) if rate else None,
                   rate_source=rate.scope.value if rate else None)


@operation(router, "get", "/matters/{matter_id}/time-entries", scope=Scope.BILLING_READ,
           response=TimeListOut, operation_id="listTime", summary="A matter's time entries",
           query=UnbilledQuery, params={"matter": "matter_id"})
def list_time(request: HttpRequest, filters: UnbilledQuery = UNBILLED_QUERY,
              matter_id: str = PATH_REF) -> TimeListOut:
    """Time entries with their narratives (an audited read)."""
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    rows = billing_queries.time_entries_report(caller.principal, matter.number,
                                               unbilled_only=filters.unbilled)
    return TimeListOut(matter=matter.number, data=rows)  # type: ignore[arg-type]


@operation(router, "post", "/expenses", scope=Scope.TIME_WRITE, response=ExpenseOut, status=201,
           operation_id="recordExpense", summary="Record an expense", keys=Keys.REQUIRED,
           params={"to": "payee", "idempotency_key": "Idempotency-Key"})
def record_expense(request: HttpRequest, payload: ExpenseIn,
                   idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> ExpenseOut:
    """quantity × amount; paid from trust it is a trust disbursement (so the key is required)."""
    caller = caller_of(request)
    caller.matter(payload.matter)
    expense = billing_services.expense_record(
        actor=caller.principal, matter=payload.matter, amount=payload.amount, date=payload.date,
        description=payload.description, code=payload.code, quantity=payload.quantity,
        currency=payload.currency, soft=payload.cost_kind == "soft",
        no_charge=payload.status == "no_charge", non_billable=payload.status == "non_billable",
        from_trust=payload.from_trust, account=payload.account, payee=payload.payee)
    rows = billing_queries.expenses_report(caller.principal, expense.matter.number)
    return ExpenseOut(**next(row for row in rows if row["id"] == expense.public_id))


@operation(router, "get", "/matters/{matter_id}/expenses", scope=Scope.BILLING_READ,
           response=ExpenseListOut, operation_id="listExpenses", summary="A matter's expenses",
           params={"matter": "matter_id"})
def list_expenses(request: HttpRequest, matter_id: str = PATH_REF) -> ExpenseListOut:
    caller = caller_of(request)
    matter = caller.matter(matter_id, param="matter_id")
    rows = billing_queries.expenses_report(caller.principal, matter.number)
    return ExpenseListOut(matter=matter.number, data=rows)  # type: ignore[arg-type]


# invoices -----------------------------------------------------------------------------------

@operation(router, "get", "/invoices", scope=Scope.BILLING_READ, response=InvoicePage,
           operation_id="listInvoices", summary="List invoices and pre-bills", query=InvoiceQuery)
def list_invoices(request: HttpRequest, filters: InvoiceQuery = INVOICE_QUERY) -> InvoicePage:
    """Invoices of the matters this principal may see, a page at a time."""
    caller = caller_of(request)
    if filters.matter:
        caller.matter(filters.matter)
    rows = billing_queries.invoices_visible(caller.principal, matter=filters.matter,
                                            client=filters.client, status=filters.status,
                                            client_pks=caller.client_pks)
    page = paginate(rows, sort=filters.sort, keys=INVOICE_SORTS, cursor=filters.cursor,
                    limit=filters.limit)
    return InvoicePage(data=[InvoiceSummaryOut(**billing_queries.invoice_summary(row))
                             for row in page.rows], next_cursor=page.next_cursor)


@operation(router, "get", "/invoices/{invoice_id}", scope=Scope.BILLING_READ,
           response=InvoiceOut, operation_id="getInvoice", summary="One invoice with its lines",
           params={"invoice": "invoice_id"})
def get_invoice_detail(request: HttpRequest, invoice_id: str = PATH_REF) -> InvoiceOut:
    """By id or number; narratives included (an audited read)."""
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    return _document(caller, invoice_id)


@operation(router, "post", "/invoices", scope=Scope.BILLING_WRITE, response=InvoiceOut,
           status=201, operation_id="draftInvoice", summary="Draft a pre-bill",
           keys=Keys.OPTIONAL)
def draft_invoice(request: HttpRequest, payload: DraftIn,
                  idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> InvoiceOut:
    """A pre-bill of the matter's unbilled work through `through` (or its open draft, rebuilt)."""
    caller = caller_of(request)
    caller.matter(payload.matter)
    invoice = billing_services.invoice_draft(actor=caller.principal, matter=payload.matter,
                                             through=payload.through)
    return _document(caller, invoice.public_id)


def _invoice_post(path: str, operation_id: str, summary: str, *, keys: Keys = Keys.OPTIONAL,
                  status: int = 200, response: type[Schema] = InvoiceOut
                  ) -> Callable[[Callable[..., Any]], Any]:
    return operation(router, "post", path, scope=Scope.BILLING_WRITE, response=response,
                     status=status, operation_id=operation_id, summary=summary, keys=keys,
                     params=_INVOICE_PARAMS)


@_invoice_post("/invoices/{invoice_id}/approve", "approveInvoice", "Approve a pre-bill")
def approve_invoice(request: HttpRequest, invoice_id: str = PATH_REF,
                    idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> InvoiceOut:
    """By the matter's responsible attorney (or an admin)."""
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    invoice = billing_services.invoice_approve(actor=caller.principal, invoice=invoice_id)
    return _document(caller, invoice.public_id)


@_invoice_post("/invoices/{invoice_id}/finalize", "finalizeInvoice", "Finalize a pre-bill")
def finalize_invoice(request: HttpRequest, payload: FinalizeIn, invoice_id: str = PATH_REF,
                     idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> InvoiceOut:
    """It takes the next gapless number and never changes again (corrections: credit notes)."""
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    invoice = billing_services.invoice_finalize(actor=caller.principal, invoice=invoice_id,
                                                date=payload.date)
    return _document(caller, invoice.public_id)


@_invoice_post("/invoices/{invoice_id}/discounts", "discountInvoice",
               "Discount a pre-bill (percent or amount)")
def discount_invoice(request: HttpRequest, payload: DiscountIn, invoice_id: str = PATH_REF,
                     idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> InvoiceOut:
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    invoice = billing_services.invoice_discount_add(
        actor=caller.principal, invoice=invoice_id, reason=payload.reason,
        percent=payload.percent, amount=payload.amount)
    return _document(caller, invoice.public_id)


@_invoice_post("/invoices/{invoice_id}/credit-notes", "issueCreditNote",
               "Correct a finalized invoice by a credit note", keys=Keys.REQUIRED, status=201)
def issue_credit_note(request: HttpRequest, payload: CreditNoteIn, invoice_id: str = PATH_REF,
                      idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> InvoiceOut:
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    note = billing_services.credit_note_issue(actor=caller.principal, invoice=invoice_id,
                                              reason=payload.reason, amount=payload.amount,
                                              date=payload.date)
    return _document(caller, note.public_id)


@_invoice_post("/invoices/{invoice_id}/write-offs", "writeOffInvoice",
               "Write off what will not be paid", keys=Keys.REQUIRED)
def write_off_invoice(request: HttpRequest, payload: WriteOffIn, invoice_id: str = PATH_REF,
                      idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> InvoiceOut:
    caller = caller_of(request)
    invoice = _invoice(caller, invoice_id)
    billing_services.write_off(actor=caller.principal, invoice=invoice_id, reason=payload.reason,
                               amount=payload.amount, date=payload.date)
    return _document(caller, invoice.public_id)


@_invoice_post("/invoices/{invoice_id}/payments", "payInvoice",
               "Pay an invoice (by the client or from trust)", keys=Keys.REQUIRED, status=201,
               response=PaymentOut)
def pay_invoice(request: HttpRequest, payload: InvoicePaymentIn, invoice_id: str = PATH_REF,
                idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> PaymentOut:
    """From trust it is an earned-fee transfer, refused (409) if the client ledger lacks the
    funds or they are uncleared; by the client, an over-payment becomes credit."""
    caller = caller_of(request)
    invoice = _invoice(caller, invoice_id)
    if payload.currency != invoice.currency:
        raise CurrencyMismatch(f"currency: the invoice is in {invoice.currency}",
                               param="currency")
    result = billing_services.invoice_pay(
        actor=caller.principal, invoice=invoice_id, amount=payload.amount, date=payload.date,
        method=payload.method, reference=payload.reference, from_trust=payload.from_trust,
        account=payload.account)
    return PaymentOut(**result.document())


@operation(router, "post", "/payments", scope=Scope.BILLING_WRITE, response=PaymentOut,
           status=201, operation_id="receivePayment", summary="Receive a client's payment",
           keys=Keys.REQUIRED, params={"idempotency_key": "Idempotency-Key"})
def receive_payment(request: HttpRequest, payload: PaymentIn,
                    idempotency_key: str = IDEMPOTENCY_KEY_REQUIRED) -> PaymentOut:
    """Spread over the invoices named (in order) or the oldest first; the rest is credit."""
    from lawledger.access.policy import get_client

    caller = caller_of(request)
    caller.check_client(get_client(caller.principal, payload.client))
    for ref in payload.invoices or []:
        _invoice(caller, ref)
    result = billing_services.payment_receive(
        actor=caller.principal, client=payload.client, amount=payload.amount, date=payload.date,
        method=payload.method, reference=payload.reference, invoices=payload.invoices,
        currency=payload.currency)
    return PaymentOut(**result.document())


@operation(router, "post", "/billing-runs", scope=Scope.BILLING_WRITE, response=BillingRunOut,
           status=201, operation_id="runBilling", summary="Draft pre-bills for all unbilled work",
           keys=Keys.OPTIONAL, params={"idempotency_key": "Idempotency-Key"})
def run_billing(request: HttpRequest, payload: BillingRunIn,
                idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> BillingRunOut:
    """Every matter the caller may see with unbilled work through the date gets a pre-bill; a
    matter that cannot be drafted (no rate, say) is listed under `failed` (firm-wide)."""
    caller = caller_of(request)
    caller.require_firm_wide()
    return BillingRunOut(**billing_services.billing_run(actor=caller.principal,
                                                        through=payload.through))


@operation(router, "get", "/invoices/{invoice_id}/pdf", scope=Scope.BILLING_READ,
           response=InvoicePdfOut, operation_id="invoicePdf", summary="The invoice as a PDF",
           params={"invoice": "invoice_id"})
def invoice_pdf(request: HttpRequest, invoice_id: str = PATH_REF) -> InvoicePdfOut:
    """The PDF the client receives (an audited export), base64 inside the JSON answer."""
    import base64

    from lawledger.billing.pdf import invoice_pdf as render

    caller = caller_of(request)
    _invoice(caller, invoice_id)
    name, data = render(caller.principal, invoice_id)
    return InvoicePdfOut(name=name, content_type="application/pdf",
                         content_base64=base64.b64encode(data).decode("ascii"))


# LEDES --------------------------------------------------------------------------------------

@operation(router, "get", "/invoices/{invoice_id}/ledes", scope=Scope.BILLING_READ,
           response=LedesOut, operation_id="exportLedes", summary="The invoice as LEDES 1998B",
           params={"invoice": "invoice_id"})
def export_ledes(request: HttpRequest, invoice_id: str = PATH_REF) -> LedesOut:
    """A finalized invoice as a LEDES 1998B file (an audited export)."""
    caller = caller_of(request)
    _invoice(caller, invoice_id)
    text, rows = ledes_export(caller.principal, [invoice_id])
    return LedesOut(format="LEDES1998B", invoices=[row.number or "" for row in rows],
                    lines=text.count("[]") - 2, content=text)


@operation(router, "post", "/ledes/validate", scope=Scope.BILLING_READ, response=LedesReportOut,
           operation_id="validateLedes", summary="Check a LEDES 1998B file", keys=Keys.OPTIONAL,
           params={"file": "content"})
def validate_ledes(request: HttpRequest, payload: LedesIn,
                   idempotency_key: str | None = IDEMPOTENCY_KEY_OPTIONAL) -> LedesReportOut:
    """Any LEDES 1998B file (ours or a client's): every problem, the first bad line named."""
    report = ledes_validate(payload.content.encode("utf-8"))
    return LedesReportOut(
        valid=report.valid, invoices=list(report.invoices), line_items=report.line_items,
        first_bad_line=report.first.line if report.first else None,
        problems=[{"line": p.line, "field": p.field or None, "message": p.message}  # type: ignore[misc]
                  for p in report.problems[:100]])


# reports ------------------------------------------------------------------------------------

@operation(router, "get", "/reports/wip", scope=Scope.BILLING_READ, response=WipOut,
           operation_id="reportWip", summary="Work in progress (unbilled)", query=AsOfQuery)
def report_wip(request: HttpRequest, filters: AsOfQuery = AS_OF_QUERY) -> WipOut:
    """Unbilled time and expenses per matter the principal may see, valued at their rates."""
    caller = caller_of(request)
    caller.require_firm_wide()
    return WipOut(**billing_reports.wip_report(caller.principal, as_of=filters.as_of))


@operation(router, "get", "/reports/ar-aging", scope=Scope.BILLING_READ, response=AgingOut,
           operation_id="reportAging", summary="Accounts receivable aging", query=AsOfQuery)
def report_aging(request: HttpRequest, filters: AsOfQuery = AS_OF_QUERY) -> AgingOut:
    """What clients owe: current, 30, 60, 90 and 120+ days."""
    caller = caller_of(request)
    caller.require_firm_wide()
    return AgingOut(**billing_reports.ar_aging_report(caller.principal, as_of=filters.as_of))


@operation(router, "get", "/reports/realization", scope=Scope.BILLING_READ,
           response=RealizationOut, operation_id="reportRealization",
           summary="Realization and collection rates", query=PeriodQuery)
def report_realization(request: HttpRequest,
                       filters: PeriodQuery = PERIOD_QUERY) -> RealizationOut:
    """Per timekeeper and per matter over invoices issued in the period."""
    caller = caller_of(request)
    caller.require_firm_wide()
    report = billing_reports.realization_report(caller.principal, date_from=filters.date_from,
                                                date_to=filters.date_to)
    return RealizationOut(date_from=report["from"], date_to=report["to"],
                          timekeepers=report["timekeepers"], matters=report["matters"])


@operation(router, "get", "/clients/{client_id}/statement", scope=Scope.BILLING_READ,
           response=StatementOut, operation_id="clientStatement",
           summary="A client's statement of account", query=PeriodQuery,
           params={"client": "client_id"})
def client_statement(request: HttpRequest, filters: PeriodQuery = PERIOD_QUERY,
                     client_id: str = PATH_REF) -> StatementOut:
    """Invoices, payments, credits and write-offs with a running balance, and trust balances."""
    from lawledger.access.policy import get_client

    caller = caller_of(request)
    client = caller.check_client(get_client(caller.principal, client_id, param="client_id"),
                                 param="client_id")
    report = billing_reports.client_statement(caller.principal, client.number,
                                              date_from=filters.date_from,
                                              date_to=filters.date_to)
    return StatementOut(client=report["client"], name=report["name"], date_from=report["from"],
                        date_to=report["to"], currencies=report["currencies"],
                        trust=report["trust"])
