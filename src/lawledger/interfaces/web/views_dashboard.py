"""The staff home page (a dashboard per role) and the header search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from lawledger.core.access import Principal
from lawledger.interfaces.web.views import staff_view


@require_safe
@staff_view
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.dashboard.queries import dashboard
    from lawledger.firm.queries import matters_for

    return render(request, "web/dashboard.html", {
        "d": dashboard(principal), "matters": list(matters_for(principal, status="open")[:8])})


@require_safe
@staff_view
def search(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.dashboard.search import search as run

    return render(request, "web/search.html", {"result": run(principal, request.GET.get("q"))})
