"""Client portal pages: a client user sees their own matters, invoices, trust ledger, payments,
replenishment requests and messages. Each view gets the principal, calls a portal query or
service, and renders; refusals are 404 (not found, identical for missing and forbidden), 403 or
400, each audited. Sign-in is the shared login page (/login/), with its MFA step.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lawledger.access.policy import principal_for
from lawledger.core.access import Principal, Role
from lawledger.core.errors import InvalidInput, LawLedgerError, NotFound, PermissionDenied
from lawledger.interfaces.errors import audit_refusal
from lawledger.portal import queries, services

View = Callable[..., HttpResponse]
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
LEDGER_PAGE_SIZE = 100


def portal_view(view: View) -> View:
    """Signed-in client users only; staff are sent to the web app. Refusals are audited."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        principal = principal_for(request.user)  # type: ignore[arg-type]
        try:
            if principal.role is not Role.CLIENT:
                raise PermissionDenied("the client portal is for client users", param="user")
            return view(request, principal, *args, **kwargs)
        except NotFound as error:
            # One page for "does not exist" and "not yours": the body names nothing asked for.
            audit_refusal(principal, error, request.path)
            return render(request, "portal/not_found.html", status=404)
        except PermissionDenied as error:
            audit_refusal(principal, error, request.path)
            return render(request, "portal/refused.html", {"error": error}, status=403)
        except LawLedgerError as error:
            audit_refusal(principal, error, request.path)
            return render(request, "portal/refused.html", {"error": error}, status=400)

    return wrapper


def download(name: str, body: bytes) -> HttpResponse:
    """A PDF as an attachment (RFC 6266 name of safe characters), never rendered inline."""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_SAFE_NAME.sub("-", name)[:120]}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@portal_view
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    return render(request, "portal/home.html", {"page": queries.overview(principal)})


@portal_view
def matter(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    page = queries.matter_page(principal, number)
    for ledger in page["ledgers"]:
        # Newest entries first seen: the last page unless one is asked for (out of range → the
        # nearest page of this ledger, never anyone else's rows).
        pages = Paginator(ledger["entries"], LEDGER_PAGE_SIZE)
        ledger["page"] = pages.get_page(request.GET.get("page") or pages.num_pages)
    return render(request, "portal/matter.html", {"page": page})


@portal_view
def invoice(request: HttpRequest, principal: Principal, invoice_id: str) -> HttpResponse:
    return render(request, "portal/invoice.html",
                  {"invoice": queries.invoice_page(principal, invoice_id)})


@portal_view
def invoice_pdf(request: HttpRequest, principal: Principal, invoice_id: str) -> HttpResponse:
    return download(*queries.invoice_pdf(principal, invoice_id))


@portal_view
def statement_pdf(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    account = request.GET.get("account", "")[:100]
    return download(*queries.trust_statement_pdf(principal, number, account))


@portal_view
@require_http_methods(["GET", "POST"])
def messages(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    error: LawLedgerError | None = None
    if request.method == "POST":
        try:
            services.message_send(actor=principal, matter=number,
                                  subject=request.POST.get("subject", ""),
                                  body=request.POST.get("body", ""))
        except InvalidInput as refused:
            error = refused
        else:
            flash.success(request, "Your message was sent to the firm.")
            return redirect("portal:messages", number=number)
    thread = queries.matter_messages(principal, number)
    return render(request, "portal/messages.html", {
        "thread": thread, "error": error, "subject": request.POST.get("subject", ""),
        "body": request.POST.get("body", "")}, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation: choose a password, then sign in (and enrol a second factor)."""
    error: str | None = None
    if request.method == "POST":
        if request.POST.get("password", "") != request.POST.get("password_again", ""):
            error = "The two passwords are not the same."
        else:
            try:
                user = services.invitation_accept(token=token,
                                                  password=request.POST.get("password", ""))
            except InvalidInput as refused:
                error = refused.message
            except LawLedgerError:
                return render(request, "portal/invitation_unusable.html", status=410)
            else:
                flash.success(request, f"Your password is set, {user.email}. Sign in to continue.")
                return redirect(f"/login/?next={quote('/portal/')}")
    try:
        invitation = services.invitation_lookup(token)
    except LawLedgerError:
        return render(request, "portal/invitation_unusable.html", status=410)
    response = render(request, "portal/invitation.html",
                      {"invitation": invitation, "error": error}, status=400 if error else 200)
    # The token is in this page's address: never sent to another site ("no-referrer" would
    # make the browser send "Origin: null" with the form, which CSRF protection refuses).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response

