"""Billing pages: the billing start page, time entry (with a running timer), expenses and their
receipts, payments, and the WIP and receivables-ageing reports. Invoices are in
`views_billing_invoices`.

Every page calls billing's services and queries only; reads are audited by the queries, changes by
the services. A form whose input is refused is shown again with the field named (400); a refused
rule or an unseen matter goes through `staff_view` (403 / 404, audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from lawledger.core.access import Principal
from lawledger.core.errors import InvalidInput
from lawledger.interfaces.web.views import staff_view


def acts(principal: Principal) -> dict[str, bool]:
    """Which billing buttons to show (the services check again)."""
    from lawledger.billing.common import BillingAct, may

    return {act.name.lower(): may(principal, act) for act in BillingAct}


def open_matters(principal: Principal) -> list[Any]:
    from lawledger.firm.queries import matters_for

    return list(matters_for(principal, status="open")[:500])


def date_param(request: HttpRequest, name: str) -> dt.date | None:
    from lawledger.core.calendar import parse_iso_date

    value = request.GET.get(name, "").strip()[:20]
    return parse_iso_date(value, param=name) if value else None


def page(request: HttpRequest, template: str, principal: Principal, context: dict[str, Any],
         status: int = 200) -> HttpResponse:
    return render(request, template, {"nav": "billing", "can": acts(principal), **context},
                  status=status)


@require_GET
@staff_view
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import invoices_list, wip_report

    wip = wip_report(principal)
    invoices = invoices_list(principal, limit=200)
    drafts = [row for row in invoices if row["status"] in ("draft", "approved")]
    recent = [row for row in invoices if row["status"] not in ("draft", "approved")][:15]
    return page(request, "billing/home.html", principal,
                {"wip": wip, "drafts": drafts, "recent": recent})


def _form(request: HttpRequest, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.POST.get(name, "").strip()[:5000] for name in names}


@require_http_methods(["GET", "POST"])
@staff_view
def time_entry(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import recent_time_entries
    from lawledger.core import utbms

    values = {"date": "", "matter": request.GET.get("matter", "")[:40]}
    error = None
    if request.method == "POST":
        from lawledger.billing.services import time_record

        values = _form(request, ("matter", "minutes", "date", "task", "activity", "narrative"))
        try:
            entry = time_record(actor=principal, matter=values["matter"],
                                minutes=values["minutes"], by=principal.label,
                                date=values["date"], narrative=values["narrative"],
                                task=values["task"] or None, activity=values["activity"] or None,
                                no_charge=request.POST.get("no_charge") == "on")
        except InvalidInput as refused:
            error = refused
        else:
            messages.success(request, f"Recorded {entry.minutes_worked} minutes on "
                                      f"{values['matter']} ({entry.public_id}).")
            return redirect("billing:time")
    return page(request, "billing/time.html", principal, {
        "values": values, "error": error, "matters": open_matters(principal),
        "tasks": utbms.LITIGATION_TASKS, "activities": utbms.ACTIVITIES,
        "entries": recent_time_entries(principal)}, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@staff_view
def expenses(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import recent_expenses
    from lawledger.core import utbms

    values = {"matter": request.GET.get("matter", "")[:40]}
    error = None
    if request.method == "POST":
        from lawledger.billing.services import expense_record

        values = _form(request, ("matter", "amount", "quantity", "date", "code", "description"))
        upload = request.FILES.get("receipt")
        try:
            receipt = (upload.name or "", upload.read()) if upload is not None else None
            expense = expense_record(actor=principal, matter=values["matter"],
                                     amount=values["amount"], date=values["date"],
                                     description=values["description"],
                                     code=values["code"] or None,
                                     quantity=values["quantity"] or None,
                                     no_charge=request.POST.get("no_charge") == "on",
                                     receipt=receipt)
        except InvalidInput as refused:
            error = refused
        else:
            messages.success(request, f"Recorded expense {expense.public_id} on "
                                      f"{values['matter']}.")
            return redirect("billing:expenses")
    return page(request, "billing/expenses.html", principal, {
        "values": values, "error": error, "matters": open_matters(principal),
        "codes": utbms.EXPENSES, "expenses": recent_expenses(principal)},
        status=400 if error else 200)


@require_GET
@staff_view
def receipt(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.billing.services import receipt_read

    filename, content_type, data = receipt_read(principal, ref)
    return attachment(data, content_type, filename)


def attachment(data: bytes, content_type: str, filename: str) -> HttpResponse:
    """A download: never shown inline, never sniffed, never cached (A9, C3)."""
    response = HttpResponse(data, content_type=content_type)
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._-") or "download"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@staff_view
def payments(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import payments_list
    from lawledger.firm.queries import clients_for

    values: dict[str, str] = {}
    error = None
    if request.method == "POST":
        from lawledger.billing.services import payment_receive

        values = _form(request, ("client", "amount", "date", "method", "reference", "invoice"))
        try:
            result = payment_receive(actor=principal, client=values["client"],
                                     amount=values["amount"], date=values["date"],
                                     method=values["method"] or None,
                                     reference=values["reference"] or None,
                                     invoices=[values["invoice"]] if values["invoice"] else None)
        except InvalidInput as refused:
            error = refused
        else:
            document = result.document()
            messages.success(request, f"Payment {document['id']} recorded; credit left "
                                      f"{document['credit']}.")
            return redirect("billing:payments")
    return page(request, "billing/payments.html", principal, {
        "values": values, "error": error, "clients": list(clients_for(principal)[:500]),
        "payments": payments_list(principal)}, status=400 if error else 200)


@require_GET
@staff_view
def wip(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import wip_report

    report = wip_report(principal, as_of=date_param(request, "as_of"))
    return page(request, "billing/wip.html", principal, {"report": report})


@require_GET
@staff_view
def aging(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import ar_aging_report

    report = ar_aging_report(principal, as_of=date_param(request, "as_of"))
    return page(request, "billing/aging.html", principal, {"report": report})
