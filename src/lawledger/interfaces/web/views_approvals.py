"""Payments held for a second approver at /trust/approvals/ (SECURITY.md D7).

Admins and bookkeepers (those who may pay from trust) see the pending requests on the matters they
see. Approve and reject are POSTs behind `require_recent_mfa`: a second factor proved in the last
five minutes, else the user proves it again and comes back (the step-up of role changes). The
service refuses the requester's own request; the requester may withdraw it (no step-up: that
only stops a payment). Refusals are audited by `staff_view` or here, and shown on the list.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from lawledger.core.access import Principal
from lawledger.core.errors import LawLedgerError, NotFound, PermissionDenied
from lawledger.interfaces.errors import audit_refusal
from lawledger.interfaces.web.views import staff_view
from lawledger.interfaces.web.views_auth import require_recent_mfa
from lawledger.ledger import approvals
from lawledger.ledger.approvals import ApprovalRequest

HOME = "/trust/approvals/"


def _back(**notice: str) -> HttpResponse:
    return redirect(f"{HOME}?{urlencode(notice)}")


def _decided(request: HttpRequest, principal: Principal,
             run: Callable[[], ApprovalRequest]) -> HttpResponse:
    """Run a decision; one refused by a rule (own request, balance, decided meanwhile) returns to
    the list saying why. Access refusals are left to `staff_view` (404/403, audited)."""
    try:
        row = run()
    except LawLedgerError as error:
        hidden = isinstance(error, (NotFound, PermissionDenied))
        if hidden and not isinstance(error, approvals.SameApprover):
            raise
        audit_refusal(principal, error, request.path)
        return _back(refused=f"{error.code}: {error.message}")
    return _back(done=f"{row.public_id} {row.status}")


@require_safe
@staff_view
def approvals_home(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = approvals.approvals_pending(principal)
    return render(request, "web/trust/approvals.html", {
        "rows": rows, "me": principal.label, "nav": "trust",
        "held": request.GET.get("held", ""), "done": request.GET.get("done", ""),
        "refused": request.GET.get("refused", "")})


@require_POST
@require_recent_mfa
@staff_view
def approve(request: HttpRequest, principal: Principal, request_id: str) -> HttpResponse:
    return _decided(request, principal, lambda: approvals.approval_approve(
        actor=principal, request=request_id))


@require_POST
@require_recent_mfa
@staff_view
def reject(request: HttpRequest, principal: Principal, request_id: str) -> HttpResponse:
    return _decided(request, principal, lambda: approvals.approval_reject(
        actor=principal, request=request_id, reason=request.POST.get("reason", "")))


@require_POST
@staff_view
def withdraw(request: HttpRequest, principal: Principal, request_id: str) -> HttpResponse:
    return _decided(request, principal, lambda: approvals.approval_withdraw(
        actor=principal, request=request_id))
