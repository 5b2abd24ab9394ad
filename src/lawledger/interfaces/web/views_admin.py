"""Admin and auditor pages: open alerts on unusual access, and the audit-log search."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from lawledger.core.access import Principal
from lawledger.core.errors import InvalidInput
from lawledger.interfaces.web.views import staff_view

PAGE_SIZE = 50


@require_safe
@staff_view
def admin_home(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.privacy.alerts import open_alerts

    return render(request, "admin/home.html", {
        "alerts": open_alerts(principal), "nav": "admin",
        "may_acknowledge": principal.role == "admin" or principal.is_operator})


@require_POST
@staff_view
def acknowledge_alert(request: HttpRequest, principal: Principal, alert_id: int) -> HttpResponse:
    from lawledger.privacy.alerts import acknowledge

    acknowledge(principal, alert_id)
    return redirect("admin_home")


def _moment(request: HttpRequest, name: str, end_of_day: bool) -> dt.datetime | None:
    from lawledger.firm.queries import firm_zone

    text = request.GET.get(name, "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: {text[:40]!r} is not a date (2026-03-31) or a date and "
                           "time (2026-03-31T14:00)", param=name) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=firm_zone())


@require_safe
@staff_view
def audit_search(request: HttpRequest, principal: Principal) -> HttpResponse:
    from lawledger.audit.queries import AuditFilters, search_audit

    get = request.GET
    filters = AuditFilters(actor=get.get("user", "").strip(), client=get.get("client", "").strip(),
                           matter=get.get("matter", "").strip(),
                           event=get.get("event", "").strip(),
                           since=_moment(request, "since", False),
                           until=_moment(request, "until", True))
    page = Paginator(search_audit(principal, filters), PAGE_SIZE).get_page(get.get("page"))
    return render(request, "admin/audit.html", {
        "page": page, "records": page, "nav": "admin",
        "f": {key: get.get(key, "") for key in ("user", "client", "matter", "event", "since",
                                                "until")}})
