"""Alerts on unusual access and the auditor's audit-log search (issue 6; A8; ASVS 16.3.2).

Alerts are read from the audit log with the firm's thresholds: bulk export, many clients read,
repeated refusals, failed sign-ins, access outside firm hours. Each alert is an audit record of
its own. The search page answers the role matrix: administrators and auditors only, every search
itself audited; everyone else refused (and the refusal audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from lawledger.audit.events import Event
from lawledger.audit.models import AuditRecord
from lawledger.audit.services import record
from lawledger.core.access import Principal, Role
from lawledger.core.errors import PermissionDenied
from lawledger.privacy import alerts
from lawledger.privacy.models import Alert
from tests import factories
from tests.access_matrix import build_matrix
from tests.mfa import login as mfa_login

# A Wednesday, 10:00 UTC (inside the default firm hours 07-20 in UTC).
WORKDAY = dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)


def _events(who: Principal, event: Event, count: int, **fields: Any) -> None:
    with transaction.atomic():
        for n in range(count):
            record(who, event, **{k: (v(n) if callable(v) else v) for k, v in fields.items()})


@pytest.mark.django_db
@time_machine.travel(WORKDAY, tick=False)
def test_each_unusual_pattern_raises_one_alert_at_its_threshold() -> None:
    factories.firm(alert_exports="3", alert_clients_read="4", alert_denials="3",
                   alert_failed_logins="3")
    eve = factories.user(Role.BOOKKEEPER, email="eve@firm.example")
    bob = factories.user(Role.ATTORNEY, email="bob@firm.example")
    assert alerts.scan() == []
    _events(eve, Event.EXPORT_CREATED, 2)
    _events(bob, Event.CLIENT_LEDGER_VIEWED, 3, client_ref=lambda n: f"C-{n:04d}")
    _events(bob, Event.ACCESS_DENIED, 2, outcome="denied")
    anonymous = Principal(label="anonymous", role=Role.CLIENT)
    _events(anonymous, Event.LOGIN_FAILED, 2, outcome="failed", details={"attempted": "eve"})
    assert alerts.scan() == []  # each one below its threshold

    _events(eve, Event.EXPORT_CREATED, 1)
    _events(bob, Event.CLIENT_LEDGER_VIEWED, 2, client_ref=lambda n: f"C-{n:04d}")  # repeats
    _events(bob, Event.CLIENT_LEDGER_VIEWED, 1, client_ref="C-0009")
    _events(bob, Event.ACCESS_DENIED, 1, outcome="denied")
    _events(anonymous, Event.LOGIN_FAILED, 1, outcome="failed", details={"attempted": "eve"})
    raised = {(a.kind, a.subject, a.count) for a in alerts.scan()}

    assert raised == {("bulk_export", eve.label, 3), ("many_clients", bob.label, 4),
                      ("repeated_denials", bob.label, 3), ("failed_logins", "eve", 3)}
    _events(eve, Event.EXPORT_CREATED, 1)
    assert alerts.scan() == []  # the open alert covers the continuing burst
    logged = AuditRecord.objects.filter(event="alert.raised").order_by("seq")
    assert sorted(r.details["kind"] for r in logged) == [
        "bulk_export", "failed_logins", "many_clients", "repeated_denials"]


@pytest.mark.django_db
def test_events_spread_wider_than_the_window_raise_nothing() -> None:
    factories.firm(alert_exports="3", alert_window_minutes="10")
    eve = factories.user(Role.BOOKKEEPER, email="eve@firm.example")
    for minute in (0, 11, 22):
        with time_machine.travel(WORKDAY + dt.timedelta(minutes=minute), tick=False):
            _events(eve, Event.EXPORT_CREATED, 1)
    assert alerts.scan() == []


@pytest.mark.django_db
def test_access_outside_firm_hours_raises_one_alert_per_user_and_day() -> None:
    factories.firm(time_zone="America/New_York")
    eve = factories.user(Role.BOOKKEEPER, email="eve@firm.example")
    late = dt.datetime(2026, 3, 12, 3, 30, tzinfo=dt.UTC)  # 23:30 in New York on the 11th
    for minutes in (0, 5):
        with time_machine.travel(late + dt.timedelta(minutes=minutes), tick=False):
            _events(eve, Event.CLIENT_LEDGER_VIEWED, 1, client_ref="C-0001")
    with time_machine.travel(WORKDAY + dt.timedelta(hours=5), tick=False):  # 11:00 New York
        _events(eve, Event.CLIENT_LEDGER_VIEWED, 1, client_ref="C-0001")
    found = alerts.scan()
    assert [(a.kind, a.subject) for a in found] == [("after_hours", eve.label)]
    assert found[0].summary == "2026-03-11: trust.ledger_viewed at 23:30 outside firm hours"


@pytest.mark.django_db
@time_machine.travel(WORKDAY, tick=False)
def test_open_alerts_are_for_admins_and_auditors_and_acknowledged_by_admins() -> None:
    factories.firm(alert_exports="1")
    admin = factories.user(Role.ADMIN, email="admin@firm.example")
    auditor = factories.user(Role.AUDITOR, email="audit@firm.example")
    _events(factories.user(Role.BOOKKEEPER, email="eve@firm.example"), Event.EXPORT_CREATED, 1)
    for role in (Role.BOOKKEEPER, Role.ATTORNEY, Role.PARALEGAL):
        with pytest.raises(PermissionDenied):
            alerts.open_alerts(factories.user(role, email=f"n-{role}@firm.example"))
    shown = alerts.open_alerts(auditor)
    assert [a.kind for a in shown] == ["bulk_export"]
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(auditor, shown[0].pk)
    alerts.acknowledge(admin, shown[0].pk)
    assert alerts.open_alerts(admin) == []
    assert Alert.objects.get().acknowledged_by == admin.label


@pytest.mark.django_db
def test_the_audit_search_page_answers_the_role_matrix_and_is_itself_audited() -> None:
    matrix = build_matrix()
    factories.trust_account()
    factories.deposit(matrix.matter, "10.00")
    allowed = {"admin", "auditor", "admin_walled"}
    for who, principal in matrix.principals.items():
        browser = Client()
        if principal is not None:
            mfa_login(browser, principal.label)
        response = browser.get("/admin/audit/", {"matter": matrix.matter})
        home = browser.get("/admin/")
        if principal is None:
            assert (response.status_code, home.status_code) == (302, 302), who
        elif not principal.is_staff:
            assert (response.status_code, home.status_code) == (403, 403), who
        elif who in allowed:
            assert (response.status_code, home.status_code) == (200, 200), who
            assert b"trust.entry_posted" in response.content
            assert b'href="/admin/"' in response.content  # the nav shows Admin
        else:
            assert (response.status_code, home.status_code) == (403, 403), who
            assert b"trust.entry_posted" not in response.content
    searched = AuditRecord.objects.filter(event="audit.searched").order_by("seq")
    assert [r.actor for r in searched] == ["admin@firm.example", "auditor@firm.example",
                                           "admin_walled@firm.example"]
    assert searched[0].details == {"filters": {"matter": matrix.matter}}
    denied = AuditRecord.objects.filter(event__in=["rule.refused", "access.denied"],
                                        actor="paralegal_unassigned@firm.example")
    assert denied.count() >= 2


@pytest.mark.django_db
def test_the_audit_search_filters_and_refuses_a_bad_date() -> None:
    factories.trust_firm()
    auditor = factories.user(Role.AUDITOR, email="audit@firm.example")
    browser = Client()
    mfa_login(browser, auditor.label)
    response = browser.get("/admin/audit/", {"event": "matter.opened", "since": "2000-01-01",
                                             "until": "2100-12-31"})
    assert response.status_code == 200
    rows = response.content.decode().count("<td>matter.opened</td>")
    assert rows == AuditRecord.objects.filter(event="matter.opened").count() == 1
    bad = browser.get("/admin/audit/", {"since": "yesterday"})
    assert bad.status_code == 400 and b"since" in bad.content


@pytest.mark.django_db
@time_machine.travel(WORKDAY, tick=False)
def test_the_acknowledge_page_answers_the_role_matrix_and_is_audited() -> None:
    matrix = build_matrix()
    acknowledging = {"admin", "admin_walled"}
    for who, principal in matrix.principals.items():
        alert = Alert.objects.create(kind=Alert.Kind.BULK_EXPORT, subject=f"eve-{who}",
                                     raised_at=WORKDAY, first_seq=1, last_seq=1, count=1,
                                     summary="1 exports by eve within 60 minutes")
        browser = Client()
        if principal is not None:
            mfa_login(browser, principal.label)
        answer = browser.post(f"/admin/alerts/{alert.pk}/acknowledge/")
        alert.refresh_from_db()
        if principal is None:
            assert answer.status_code == 302 and answer["Location"].startswith("/login/"), who
            assert alert.acknowledged_at is None, who
        elif who in acknowledging:
            assert (answer.status_code, answer["Location"]) == (302, "/admin/"), who
            assert alert.acknowledged_by == principal.label, who
            logged = AuditRecord.objects.filter(event="alert.acknowledged",
                                                object_id=str(alert.pk))
            assert [r.actor for r in logged] == [principal.label], who
        else:
            assert answer.status_code == 403 and alert.acknowledged_at is None, who
            refused = AuditRecord.objects.filter(actor=principal.label,
                                                 outcome__in=["denied", "refused"])
            assert refused.exists(), who
