"""The Reports page, the inactive-balances page, and CSV/PDF downloads of the trust reports.

A download is fetched through the same query as its page (policy and read audit included),
rendered by `lawledger.reports`, and audited as an export before a byte is sent. It is served as
an attachment with a file name of safe characters only (RFC 6266), `nosniff` and `no-store`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from lawledger.core.access import Action, Principal, decide
from lawledger.core.errors import InvalidInput
from lawledger.interfaces.web.views import staff_view
from lawledger.reports.exports import ExportFormat, ReportKind


def date_param(request: HttpRequest, name: str) -> dt.date | None:
    from lawledger.core.calendar import parse_iso_date

    value = request.GET.get(name, "").strip()
    return parse_iso_date(value, param=name) if value else None


def months_param(request: HttpRequest) -> int | None:
    value = request.GET.get("months", "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 600:
        raise InvalidInput("months: a whole number of months from 1 to 600", param="months")
    return int(value)


def _format(fmt: str) -> ExportFormat:
    try:
        return ExportFormat(fmt)
    except ValueError:
        raise Http404("Not found") from None


def _download(principal: Principal, kind: ReportKind, fmt: str, **params: Any) -> HttpResponse:
    from lawledger.reports.exports import export_report

    export_format = _format(fmt)
    exported = export_report(principal, kind, [export_format], **params)
    report_file = exported.files[export_format]
    response = HttpResponse(report_file.body, content_type=report_file.content_type)
    response["Content-Disposition"] = content_disposition_header(True, report_file.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------
# pages


@require_safe
@staff_view
def reports_home(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.firm.queries import firm_settings
    from lawledger.ledger.queries import bank_accounts

    firm_wide = decide(principal, Action.VIEW_FIRM_REPORTS, None)
    settings_row = firm_settings()
    return render(request, "web/trust/reports.html", {
        "nav": "reports", "firm_wide": firm_wide,
        "accounts": bank_accounts() if firm_wide else [],
        "inactive_months": settings_row.inactive_balance_months,
        "earned_fees_days": settings_row.earned_fees_left_days,
    })


@require_safe
@staff_view
def inactive_balances(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.ledger.queries import inactive_balances_report

    report = inactive_balances_report(principal, months_param(request))
    query = f"?months={report['months']}"
    return render(request, "web/trust/inactive.html", {
        "report": report, "nav": "reports",
        "csv_url": reverse("trust_inactive_export", args=["csv"]) + query,
        "pdf_url": reverse("trust_inactive_export", args=["pdf"]) + query})


# ---------------------------------------------------------------------------------------------
# downloads


@require_safe
@staff_view
def client_ledger_export(request: HttpRequest, principal: Principal, number: str,
                         fmt: str) -> HttpResponse:
    return _download(principal, ReportKind.CLIENT_LEDGER, fmt, matter=number,
                     account=request.GET.get("account") or None,
                     date_from=date_param(request, "from"), date_to=date_param(request, "to"))


@require_safe
@staff_view
def trust_journal_export(request: HttpRequest, principal: Principal, account: str,
                         fmt: str) -> HttpResponse:
    return _download(principal, ReportKind.TRUST_JOURNAL, fmt, account=account,
                     date_from=date_param(request, "from"), date_to=date_param(request, "to"))


@require_safe
@staff_view
def trust_listing_export(request: HttpRequest, principal: Principal, fmt: str) -> HttpResponse:
    return _download(principal, ReportKind.TRUST_LISTING, fmt,
                     account=request.GET.get("account") or None,
                     include_zero=request.GET.get("all") == "1")


@require_safe
@staff_view
def inactive_balances_export(request: HttpRequest, principal: Principal,
                             fmt: str) -> HttpResponse:
    return _download(principal, ReportKind.INACTIVE_BALANCES, fmt, months=months_param(request))


@require_safe
@staff_view
def earned_fees_left(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.billing.queries import earned_fees_left_in_trust

    report = earned_fees_left_in_trust(principal, date_param(request, "as_of"))
    query = f"?as_of={report['as_of']}"
    return render(request, "web/trust/earned_fees.html", {
        "report": report, "nav": "reports",
        "csv_url": reverse("trust_earned_fees_export", args=["csv"]) + query,
        "pdf_url": reverse("trust_earned_fees_export", args=["pdf"]) + query})


@require_safe
@staff_view
def earned_fees_left_export(request: HttpRequest, principal: Principal,
                            fmt: str) -> HttpResponse:
    return _download(principal, ReportKind.EARNED_FEES_LEFT, fmt,
                     date_to=date_param(request, "as_of"))
