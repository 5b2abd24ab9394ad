"""Banking pages: overview, statement upload, matching workbench, reconciliation and its PDF.

Reading needs Action.VIEW_FIRM_REPORTS (admin, bookkeeper, auditor); importing and matching need
RECORD_DEPOSIT (admin, bookkeeper); signing off needs SIGN_OFF (admin). The services check the
role; the pages only hide the buttons a reader may not use. Every read goes through an audited
query; every action through a service, then back to the page it came from (POST → redirect).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lawledger.core.access import Action, Principal, decide
from lawledger.core.errors import LawLedgerError, NotFound, PermissionDenied
from lawledger.interfaces.errors import audit_refusal
from lawledger.interfaces.web.views import staff_view

# Room for the multipart envelope around the largest statement we take.
_MULTIPART_SLACK_BYTES = 64 * 1024
FORMAT_CHOICES = ("auto", "ofx", "csv", "camt053", "bai2", "mt940")


def _can(principal: Principal, action: Action) -> bool:
    return decide(principal, action, None)


def _account(ref: str) -> Any:
    from lawledger.ledger.accounts import get_bank_account

    return get_bank_account(ref)


def _back(view: Callable[..., str]) -> Callable[..., HttpResponse]:
    """A POST action: rule refusals become a message on the page it came from (not an error page);
    permission and not-found refusals stay 403/404 (the staff_view answers them)."""

    @wraps(view)
    def wrapper(request: HttpRequest, principal: Principal, account: str,
                *args: Any, **kwargs: Any) -> HttpResponse:
        target = reverse(f"banking:{kwargs.pop('back', 'workbench')}", args=[account])
        try:
            message = view(request, principal, account, *args, **kwargs)
        except (PermissionDenied, NotFound):
            raise
        except LawLedgerError as error:
            audit_refusal(principal, error, request.path)
            messages.error(request, f"{error.code}: {error.message}")
            return HttpResponseRedirect(target)
        messages.success(request, message)
        return HttpResponseRedirect(target)

    return wrapper


@require_GET
@staff_view
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.banking.queries import banking_overview

    return render(request, "banking/home.html", {
        "nav": "banking", "accounts": banking_overview(actor=principal),
        "can_import": _can(principal, Action.RECORD_DEPOSIT)})


@require_http_methods(["GET", "POST"])
@staff_view
def statement_upload(request: HttpRequest, principal: Principal, account: str) -> HttpResponse:
    from lawledger.access.policy import require
    from lawledger.banking.errors import StatementTooLarge
    from lawledger.banking.imports import MAX_STATEMENT_BYTES, check_statement_size
    from lawledger.banking.queries import saved_profiles
    from lawledger.banking.services import statement_import

    require(principal, Action.RECORD_DEPOSIT)
    bank = _account(account)
    context: dict[str, Any] = {"nav": "banking", "bank": bank, "formats": FORMAT_CHOICES,
                               "profiles": saved_profiles(),
                               "max_mb": MAX_STATEMENT_BYTES // (1024 * 1024)}
    if request.method == "POST":
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        try:
            # Refuse before the body is read (C5): Django would otherwise spool it to disk.
            if declared > MAX_STATEMENT_BYTES + _MULTIPART_SLACK_BYTES:
                check_statement_size(declared)
            upload = request.FILES.get("file")
            if upload is None:
                from lawledger.core.errors import InvalidInput

                raise InvalidInput("file: choose a statement file to upload", param="file")
            check_statement_size(upload.size or 0)
            data = upload.read(MAX_STATEMENT_BYTES + 1)
            result = statement_import(actor=principal, account=bank.public_id, data=data,
                                      file_format=request.POST.get("format", "auto"),
                                      profile=request.POST.get("profile") or None,
                                      file_name=upload.name or "")
        except (PermissionDenied, NotFound):
            raise
        except LawLedgerError as error:
            audit_refusal(principal, error, request.path)
            context["error"] = error
            status = 413 if isinstance(error, StatementTooLarge) else 400
            return render(request, "banking/import.html", context, status=status)
        context["result"] = result.as_dict()
    return render(request, "banking/import.html", context)


@require_GET
@staff_view
def workbench(request: HttpRequest, principal: Principal, account: str) -> HttpResponse:
    from lawledger.banking.queries import matches_report
    from lawledger.banking.queries import workbench as workbench_query

    bank = _account(account)
    report = workbench_query(actor=principal, account=bank.public_id)
    confirmed = matches_report(actor=principal, account=bank.public_id, status="confirmed",
                               limit=50)["matches"]
    return render(request, "banking/workbench.html", {
        "nav": "banking", "bank": bank, "report": report, "confirmed": confirmed,
        "can_write": _can(principal, Action.RECORD_DEPOSIT)})


@require_POST
@staff_view
@_back
def auto_match(request: HttpRequest, principal: Principal, account: str) -> str:
    from lawledger.banking.services import auto_match as propose

    result = propose(actor=principal, account=_account(account).public_id)
    return f"{result.proposed} match(es) proposed"


@require_POST
@staff_view
@_back
def confirm(request: HttpRequest, principal: Principal, account: str) -> str:
    from lawledger.banking.services import match_confirm, matches_confirm_all

    if request.POST.get("all"):
        minimum = 90 if request.POST.get("all") == "high" else 0
        count = matches_confirm_all(actor=principal, account=_account(account).public_id,
                                    min_confidence=minimum)
        return f"{count} match(es) confirmed"
    row = match_confirm(actor=principal, match=request.POST.get("match", ""))
    return f"match {row.public_id} confirmed"


@require_POST
@staff_view
@_back
def unmatch(request: HttpRequest, principal: Principal, account: str) -> str:
    from lawledger.banking.services import match_undo

    row = match_undo(actor=principal, match=request.POST.get("match", ""),
                     reason=request.POST.get("reason", ""))
    return f"match {row.public_id} undone"


@require_POST
@staff_view
@_back
def manual_match(request: HttpRequest, principal: Principal, account: str) -> str:
    from lawledger.banking.services import match_by_hand

    row = match_by_hand(actor=principal, account=_account(account).public_id,
                        bank_lines=request.POST.getlist("line")[:200],
                        entries=request.POST.getlist("entry")[:200],
                        note=request.POST.get("note") or None)
    return f"matched by hand: {row.public_id}"


@require_POST
@staff_view
@_back
def propose(request: HttpRequest, principal: Principal, account: str) -> str:
    from lawledger.banking.services import bank_only_propose

    made = bank_only_propose(actor=principal, account=_account(account).public_id)
    return f"{len(made)} bank-only entr{'y' if len(made) == 1 else 'ies'} proposed"


@require_POST
@staff_view
@_back
def proposal(request: HttpRequest, principal: Principal, account: str) -> str:
    from lawledger.banking.services import bank_only_dismiss, bank_only_post

    ref = request.POST.get("proposal", "")
    if request.POST.get("action") == "dismiss":
        bank_only_dismiss(actor=principal, proposal=ref, reason=request.POST.get("reason", ""))
        return f"proposal {ref} dismissed"
    result = bank_only_post(actor=principal, proposal=ref)
    return f"posted {result.entry.kind.replace('_', ' ')} {result.entry.public_id}"


@require_http_methods(["GET", "POST"])
@staff_view
def reconcile(request: HttpRequest, principal: Principal, account: str) -> HttpResponse:
    from lawledger.banking.reconcile import reconciliations_list
    from lawledger.banking.services import reconciliation_report, reconciliation_save

    bank = _account(account)
    source = request.POST if request.method == "POST" else request.GET
    date, balance = source.get("date", "").strip(), source.get("statement_balance", "").strip()
    context: dict[str, Any] = {"nav": "banking", "bank": bank, "date": date, "balance": balance,
                               "can_draft": _can(principal, Action.RECORD_DEPOSIT),
                               "can_sign": _can(principal, Action.SIGN_OFF)}
    if request.method == "POST":
        sign_off = request.POST.get("action") == "sign_off"
        try:
            saved, _ = reconciliation_save(actor=principal, account=bank.public_id, date=date,
                                           statement_balance=balance, sign_off=sign_off,
                                           explanation=request.POST.get("explanation") or None)
        except (PermissionDenied, NotFound):
            raise
        except LawLedgerError as error:
            audit_refusal(principal, error, request.path)
            context["error"] = error
        else:
            messages.success(request, f"{'Signed off' if sign_off else 'Draft saved'}: "
                                      f"{saved.public_id}")
            return redirect(f"{reverse('banking:reconcile', args=[bank.public_id])}?date={date}"
                            f"&statement_balance={balance}")
    if date and balance:
        try:
            context["report"] = reconciliation_report(actor=principal, account=bank.public_id,
                                                      date=date, statement_balance=balance)
        except (PermissionDenied, NotFound):
            raise
        except LawLedgerError as error:
            audit_refusal(principal, error, request.path)
            context["error"] = error
    context["saved"] = reconciliations_list(actor=principal, account=bank.public_id)
    status = 400 if "error" in context and request.method == "POST" else 200
    return render(request, "banking/reconcile.html", context, status=status)


@require_GET
@staff_view
def reconciliation_pdf(request: HttpRequest, principal: Principal, ref: str) -> HttpResponse:
    from lawledger.banking.services import reconciliation_pdf as stored_pdf

    name, body = stored_pdf(actor=principal, ref=ref)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
