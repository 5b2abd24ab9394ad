"""Staff pages. Each view gets the principal, calls a query or service, and renders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render

from lawledger.access.policy import AccessRefused, principal_for
from lawledger.core.access import Action, Principal, role_allows
from lawledger.core.errors import LawLedgerError, NotFound, PermissionDenied
from lawledger.interfaces.errors import audit_refusal

View = Callable[..., HttpResponse]


def staff_view(view: Callable[..., HttpResponse]) -> View:
    """Logged-in staff only; refusals become 404 (not found) or 403, and are audited."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        principal = principal_for(request.user)  # type: ignore[arg-type]
        if not principal.is_staff:
            # A portal session never reaches staff pages (A2); the attempt is audited.
            audit_refusal(principal, AccessRefused(
                "staff page", param="page", principal=principal, object_type="page",
                object_id=request.path[:64], action="staff_page"), request.path)
            return HttpResponseForbidden("This page is for the firm's staff.")
        try:
            return view(request, principal, *args, **kwargs)
        except NotFound as error:
            audit_refusal(principal, error, request.path)
            raise Http404("Not found") from None
        except PermissionDenied as error:
            audit_refusal(principal, error, request.path)
            return render(request, "web/refused.html", {"error": error}, status=403)
        except LawLedgerError as error:
            audit_refusal(principal, error, request.path)
            return render(request, "web/refused.html", {"error": error}, status=400)

    return wrapper


@staff_view
def matter_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.firm.queries import matters_for

    search = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if status not in ("", "open", "closed"):
        status = ""
    page = Paginator(matters_for(principal, status=status or None, search=search or None), 50)
    matters = page.get_page(request.GET.get("page"))
    return render(request, "web/matter_list.html",
                  {"matters": matters, "q": search, "status": status})


@staff_view
def matter_detail(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    from lawledger.firm.queries import matter_detail as detail
    from lawledger.ledger.queries import matter_trust_balances

    matter = detail(principal, number)
    return render(request, "web/matter_detail.html", {
        "matter": matter, "balances": matter_trust_balances(matter), "nav": "matters",
        "may_deposit": role_allows(principal, Action.RECORD_DEPOSIT),
        "may_disburse": role_allows(principal, Action.RECORD_DISBURSEMENT)})


@staff_view
def client_ledger(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    from lawledger.interfaces.web.views_reports import date_param
    from lawledger.ledger.queries import client_ledger_report

    report = client_ledger_report(principal, number, request.GET.get("account") or None,
                                  date_from=date_param(request, "from"),
                                  date_to=date_param(request, "to"))
    page = Paginator(report["entries"], 100)
    entries = page.get_page(request.GET.get("page") or page.num_pages)
    return render(request, "web/client_ledger.html", {
        "report": report, "entries": entries, "nav": "trust",
        "may_deposit": role_allows(principal, Action.RECORD_DEPOSIT),
        "may_disburse": role_allows(principal, Action.RECORD_DISBURSEMENT)})


@staff_view
def trust_listing(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.ledger.queries import trust_listing_report

    return render(request, "web/trust_listing.html",
                  {"report": trust_listing_report(principal), "nav": "trust",
                   "may_disburse": role_allows(principal, Action.RECORD_DISBURSEMENT)})


@staff_view
def trust_journal(request: HttpRequest, principal: Principal, account: str) -> HttpResponse:
    from lawledger.interfaces.web.views_reports import date_param
    from lawledger.ledger.queries import trust_journal_report

    report = trust_journal_report(principal, account, date_from=date_param(request, "from"),
                                  date_to=date_param(request, "to"))
    page = Paginator(report["entries"], 100)
    entries = page.get_page(request.GET.get("page") or page.num_pages)
    return render(request, "web/trust_journal.html", {
        "report": report, "entries": entries, "account_ref": account, "nav": "trust",
        "may_disburse": role_allows(principal, Action.RECORD_DISBURSEMENT)})
