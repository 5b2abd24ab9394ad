"""The firm's people at /people/: who has which role, and changing a role (admins, with a fresh
second factor: require_recent_mfa)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from lawledger.access.queries import users_for
from lawledger.access.services import user_set_role
from lawledger.audit.services import record_denial
from lawledger.core.access import Action, Principal, Role, role_allows
from lawledger.interfaces.web.views import staff_view
from lawledger.interfaces.web.views_auth import require_recent_mfa

STAFF_ROLE_CHOICES = [r.value for r in Role if r is not Role.CLIENT]


def _refused(request: HttpRequest, principal: Principal) -> HttpResponse | None:
    """Only those who manage the firm reach these pages; a refusal is audited."""
    if principal.is_operator or role_allows(principal, Action.MANAGE_FIRM):
        return None
    record_denial(principal, object_type="page", object_id=request.path, action="manage_firm")
    return HttpResponseForbidden("Only the firm's admins manage people.")


@require_safe
@staff_view
def people_home(request: HttpRequest, principal: Principal) -> HttpResponse:
    if (refused := _refused(request, principal)) is not None:
        return refused
    return render(request, "web/people.html", {
        "people": users_for(principal), "roles": STAFF_ROLE_CHOICES, "nav": "people",
        "changed": request.GET.get("changed", "")})


@require_POST
@require_recent_mfa
@staff_view
def change_role(request: HttpRequest, principal: Principal) -> HttpResponse:
    if (refused := _refused(request, principal)) is not None:
        return refused
    user = user_set_role(actor=principal, email=request.POST.get("email", ""),
                         role=request.POST.get("role", ""))
    return redirect(f"/people/?changed={user.email}")
