"""Invoice pages: the list with the pre-bill form, the invoice (pre-bill review and approval,
finalization, payment, credit notes, write-offs) and its PDF and LEDES downloads.

Actions are POSTs that call one service each and come back to the invoice (POST → redirect);
input the service refuses is reported on the page it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lawledger.core.access import Principal
from lawledger.core.errors import InvalidInput
from lawledger.interfaces.web.views import staff_view
from lawledger.interfaces.web.views_billing import attachment, open_matters, page


@require_http_methods(["GET", "POST"])
@staff_view
def invoices(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import invoices_list

    status = request.GET.get("status", "")
    status = status if status in ("draft", "approved", "finalized") else ""
    values = {"matter": request.GET.get("matter", "")[:40], "through": ""}
    error = None
    if request.method == "POST":
        from lawledger.billing.services import invoice_draft

        values = {key: request.POST.get(key, "").strip()[:40] for key in ("matter", "through")}
        try:
            invoice = invoice_draft(actor=principal, matter=values["matter"],
                                    through=values["through"] or None)
        except InvalidInput as refused:
            error = refused
        else:
            messages.success(request, "Pre-bill drafted: review it, then approve or finalize.")
            return redirect("billing:invoice", ref=invoice.public_id)
    rows = invoices_list(principal, status=status or None)
    return page(request, "billing/invoices.html", principal,
                {"invoices": rows, "status": status, "values": values, "error": error,
                 "matters": open_matters(principal)}, status=400 if error else 200)


@require_GET
@staff_view
def invoice(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.common import BillingAct, check_act_on
    from lawledger.billing.invoicing import get_invoice
    from lawledger.billing.queries import invoice_document
    from lawledger.core.errors import PermissionDenied

    document = invoice_document(principal, ref)
    row = get_invoice(principal, ref, BillingAct.VIEW)

    def allowed(act: BillingAct) -> bool:
        try:
            check_act_on(principal, row.matter, act)
        except PermissionDenied:
            return False
        return True

    is_open = document["status"] in ("draft", "approved")
    return page(request, "billing/invoice.html", principal, {
        "invoice": document, "is_open": is_open,
        "may_adjust": is_open and allowed(BillingAct.DRAFT),
        "may_approve": document["status"] == "draft" and allowed(BillingAct.APPROVE),
        "may_finalize": is_open and allowed(BillingAct.FINALIZE),
        "may_collect": document["kind"] == "invoice" and not is_open
        and allowed(BillingAct.COLLECT),
        "may_credit": document["kind"] == "invoice" and not is_open
        and allowed(BillingAct.FINALIZE)})


def _act(request: HttpRequest, ref: str, run: Callable[[dict[str, str]], Any], *, done: str,
         fields: tuple[str, ...] = ()) -> HttpResponse:
    values = {name: request.POST.get(name, "").strip()[:500] for name in fields}
    try:
        result = run(values)
    except InvalidInput as refused:
        messages.error(request, f"{refused.param or 'input'}: {refused.message}")
        return redirect("billing:invoice", ref=ref)
    messages.success(request, done)
    target = getattr(result, "public_id", None) or ref
    return redirect("billing:invoice", ref=target)


@require_POST
@staff_view
def approve(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import invoice_approve

    return _act(request, ref, lambda _: invoice_approve(actor=principal, invoice=ref),
                done="Pre-bill approved.")


@require_POST
@staff_view
def finalize(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import invoice_finalize

    return _act(request, ref,
                lambda v: invoice_finalize(actor=principal, invoice=ref, date=v["date"] or None),
                done="Invoice finalized: it has its number and can no longer change.",
                fields=("date",))


@require_POST
@staff_view
def discount(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import invoice_discount_add

    def run(v: dict[str, str]) -> Any:
        line = v["line"]
        if line and not line.isdigit():
            raise InvalidInput("line: a line number", param="line")
        size = v["size"]
        is_percent = v["unit"] != "amount"
        return invoice_discount_add(actor=principal, invoice=ref, reason=v["reason"],
                                    percent=size if is_percent else None,
                                    amount=None if is_percent else size,
                                    line=int(line) if line else None,
                                    expenses=v["category"] == "expenses")

    return _act(request, ref, run, done="Discount recorded.",
                fields=("size", "unit", "reason", "line", "category"))


@require_POST
@staff_view
def remove_line(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import invoice_line_remove

    def run(v: dict[str, str]) -> Any:
        if not v["line"].isdigit():
            raise InvalidInput("line: a line number", param="line")
        return invoice_line_remove(actor=principal, invoice=ref, line=int(v["line"]),
                                   non_billable=v["non_billable"] == "on",
                                   reason=v["reason"] or None)

    return _act(request, ref, run, done="Line removed from the pre-bill.",
                fields=("line", "non_billable", "reason"))


@require_POST
@staff_view
def delete(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import invoice_delete

    invoice_delete(actor=principal, invoice=ref)
    messages.success(request, "Pre-bill deleted; its work is back in progress.")
    return redirect("billing:invoices")


@require_POST
@staff_view
def pay(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import invoice_pay

    def run(v: dict[str, str]) -> Any:
        from_trust = v["method"] == "trust"
        result = invoice_pay(actor=principal, invoice=ref, amount=v["amount"], date=v["date"],
                             from_trust=from_trust, account=v["account"] or None,
                             method=None if from_trust else v["method"] or None,
                             reference=v["reference"] or None)
        for warning in result.warnings:
            messages.warning(request, warning)
        return None

    return _act(request, ref, run, done="Payment recorded.",
                fields=("amount", "date", "method", "account", "reference"))


@require_POST
@staff_view
def credit(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import credit_note_issue

    return _act(request, ref,
                lambda v: credit_note_issue(actor=principal, invoice=ref,
                                            amount=v["amount"] or None, reason=v["reason"],
                                            date=v["date"] or None),
                done="Credit note issued.", fields=("amount", "reason", "date"))


@require_POST
@staff_view
def write_off(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import write_off as write

    return _act(request, ref,
                lambda v: write(actor=principal, invoice=ref, amount=v["amount"] or None,
                                reason=v["reason"], date=v["date"] or None),
                done="Written off.", fields=("amount", "reason", "date"))


@require_GET
@staff_view
def pdf(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.pdf import invoice_pdf

    name, data = invoice_pdf(principal, ref)
    return attachment(data, "application/pdf", name)


@require_GET
@staff_view
def ledes(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.ledes_export import ledes_export

    text, rows = ledes_export(principal, [ref])
    return attachment(text.encode("utf-8"), "text/plain; charset=utf-8",
                      f"invoice-{rows[0].number}.ledes")
