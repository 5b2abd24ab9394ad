"""The firm's side of the portal, in the staff web app: the secure-message inbox, a matter's
thread with the reply form, and inviting a client's contact to the portal."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from lawledger.core.access import Action, Principal, role_allows
from lawledger.core.errors import Conflict, InvalidInput
from lawledger.firm.queries import clients_for
from lawledger.interfaces.web.views import staff_view
from lawledger.portal import queries, services


@staff_view
def inbox(request: HttpRequest, principal: Principal) -> HttpResponse:
    return render(request, "portal/staff_inbox.html", {
        "inbox": queries.inbox(principal), "nav": "portal_messages",
        "may_invite": role_allows(principal, Action.MANAGE_FIRM)})


@staff_view
@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, principal: Principal, number: str) -> HttpResponse:
    error: InvalidInput | None = None
    if request.method == "POST":
        try:
            services.message_send(actor=principal, matter=number,
                                  subject=request.POST.get("subject", ""),
                                  body=request.POST.get("body", ""))
        except InvalidInput as refused:
            error = refused
        else:
            flash.success(request, "Your reply was sent to the client.")
            return redirect("portal_messages:thread", number=number)
    return render(request, "portal/staff_thread.html", {
        "thread": queries.matter_messages(principal, number), "error": error,
        "subject": request.POST.get("subject", ""), "body": request.POST.get("body", ""),
        "nav": "portal_messages"}, status=400 if error else 200)


@staff_view
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, principal: Principal) -> HttpResponse:
    """Invite a client's contact; the one-time link is shown once, on this page only."""
    from lawledger.access.policy import require

    require(principal, Action.MANAGE_FIRM)
    issued = None
    error: InvalidInput | Conflict | None = None
    if request.method == "POST":
        try:
            issued = services.invitation_create(
                actor=principal, client=request.POST.get("client", ""),
                email=request.POST.get("email", ""),
                full_name=request.POST.get("full_name", "")[:200])
        except (InvalidInput, Conflict) as refused:
            error = refused
    link = (request.build_absolute_uri(reverse("portal:invitation", args=[issued.token]))
            if issued else None)
    response = render(request, "portal/staff_invite.html", {
        "clients": list(clients_for(principal).order_by("number")), "issued": issued,
        "link": link, "error": error, "form": request.POST, "nav": "portal_messages"},
        status=400 if error else 200)
    response["Cache-Control"] = "no-store"
    return response
