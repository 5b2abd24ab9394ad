"""Alerts on unusual access, read from the audit log: the monitor never trusts anything else.

`scan()` reads the audit records appended since its cursor (plus the window before them) and
raises an alert when, within the firm's `alert_window_minutes`, one user makes `alert_exports`
exports, reads `alert_clients_read` different clients, is refused `alert_denials` times, or one
login name fails `alert_failed_logins` times; and once per user and day when a user acts outside
the firm's hours (weekdays `firm_hours_start`–`firm_hours_end`, firm time). Each alert is itself an
audit record. `open_alerts(principal)` scans, then lists what nobody has acknowledged yet.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from lawledger.audit.models import AuditRecord
from lawledger.audit.services import record
from lawledger.core import clock
from lawledger.core.access import Principal, Role
from lawledger.core.errors import PermissionDenied
from lawledger.firm.queries import firm_settings, firm_zone
from lawledger.privacy.errors import UnknownAlert
from lawledger.privacy.events import PrivacyEvent
from lawledger.privacy.models import Alert, AlertCursor

MONITOR = Principal(label="system:access-monitor", role=Role.ADMIN, is_operator=True)
SCAN_LIMIT = 20000
Kind = Alert.Kind


@dataclass(frozen=True)
class Row:
    seq: int
    at: dt.datetime
    actor: str
    user_id: int | None
    event: str
    outcome: str
    client_ref: str
    attempted: str


def _is_export(row: Row) -> bool:
    return row.outcome == "ok" and ("export" in row.event)


def _is_client_read(row: Row) -> bool:
    return row.outcome == "ok" and row.user_id is not None and bool(row.client_ref) and (
        row.event.endswith("viewed") or row.event.endswith("exported")
        or row.event.endswith("listed"))


def _rows(*, after_seq: int = 0, up_to_seq: int | None = None,
          since: dt.datetime | None = None) -> list[Row]:
    queryset = AuditRecord.objects.order_by("seq").filter(seq__gt=after_seq)
    if up_to_seq is not None:
        queryset = queryset.filter(seq__lte=up_to_seq)
    if since is not None:
        queryset = queryset.filter(recorded_at__gte=since)
    fields = ("seq", "recorded_at", "actor", "actor_user_id", "event", "outcome", "client_ref",
              "details")
    return [Row(seq, at, actor, uid, event, outcome, client, str((details or {}).get(
        "attempted", ""))[:254])
            for seq, at, actor, uid, event, outcome, client, details
            in queryset.values_list(*fields)[:SCAN_LIMIT]]


def _sliding(rows: Iterable[Row], new_from: int, window: dt.timedelta, *, threshold: int,
             key: Callable[[Row], str], distinct: Callable[[Row], str] | None,
             ) -> dict[str, tuple[list[Row], int]]:
    """Per key, the first window (ending at a new row) that reaches the threshold."""
    recent: dict[str, deque[Row]] = defaultdict(deque)
    hits: dict[str, tuple[list[Row], int]] = {}
    for row in rows:
        name = key(row)
        queue = recent[name]
        queue.append(row)
        while queue and row.at - queue[0].at > window:
            queue.popleft()
        size = len({distinct(r) for r in queue}) if distinct else len(queue)
        if row.seq > new_from and size >= threshold and name not in hits:
            hits[name] = (list(queue), size)
    return hits


def _raise(kind: str, subject: str, rows: list[Row], count: int, summary: str) -> Alert | None:
    if Alert.objects.filter(kind=kind, subject=subject, acknowledged_at__isnull=True,
                            last_seq__gte=rows[0].seq).exists():
        return None  # already raised for this stretch and not yet acknowledged
    alert = Alert.objects.create(kind=kind, subject=subject[:254], raised_at=clock.now(),
                                 first_seq=rows[0].seq, last_seq=rows[-1].seq, count=count,
                                 summary=summary[:300])
    record(MONITOR, PrivacyEvent.ALERT_RAISED, object_type="alert", object_id=str(alert.pk),
           outcome="alert", details={"kind": kind, "subject": subject[:254], "count": count,
                                     "first_seq": rows[0].seq, "last_seq": rows[-1].seq})
    return alert


def _after_hours(rows: list[Row], new_from: int, settings: Any) -> list[Alert]:
    zone = firm_zone()
    raised = []
    seen: set[tuple[str, dt.date]] = set()
    for row in rows:
        if row.seq <= new_from or row.user_id is None:
            continue
        local = row.at.astimezone(zone)
        inside = local.weekday() < 5 and settings.firm_hours_start <= local.hour < (
            settings.firm_hours_end)
        if inside or (row.actor, local.date()) in seen:
            continue
        seen.add((row.actor, local.date()))
        day = local.date().isoformat()
        if Alert.objects.filter(kind=Kind.AFTER_HOURS, subject=row.actor,
                                summary__startswith=f"{day}:").exists():
            continue
        alert = _raise(Kind.AFTER_HOURS, row.actor, [row], 1,
                       f"{day}: {row.event} at {local:%H:%M} outside firm hours")
        if alert is not None:
            raised.append(alert)
    return raised


def scan() -> list[Alert]:
    """Look at the audit records appended since the last scan; return the alerts raised."""
    settings = firm_settings()
    window = dt.timedelta(minutes=settings.alert_window_minutes)
    with transaction.atomic():
        cursor, _ = AlertCursor.objects.select_for_update().get_or_create(id=1)
        new = _rows(after_seq=cursor.seq)
        if not new:
            return []
        # The new rows are read once; only the window before them is read again.
        earlier = _rows(up_to_seq=cursor.seq, since=new[0].at - window)
        rows = earlier + [r for r in new if r.at >= new[0].at - window]
        raised = _counting_rules(rows, cursor.seq, window, settings)
        raised += _after_hours(new, cursor.seq, settings)
        cursor.seq = new[-1].seq
        cursor.save(update_fields=["seq"])
    return raised


def _counting_rules(rows: list[Row], new_from: int, window: dt.timedelta,
                    settings: Any) -> list[Alert]:
    minutes = settings.alert_window_minutes
    rules: list[tuple[str, list[Row], int, Callable[[Row], str], Callable[[Row], str] | None,
                      str]] = [
        (Kind.BULK_EXPORT, [r for r in rows if _is_export(r)], settings.alert_exports,
         lambda r: r.actor, None, "exports"),
        (Kind.MANY_CLIENTS, [r for r in rows if _is_client_read(r)], settings.alert_clients_read,
         lambda r: r.actor, lambda r: r.client_ref, "different clients' records read"),
        (Kind.REPEATED_DENIALS, [r for r in rows if r.outcome == "denied"],
         settings.alert_denials, lambda r: r.actor, None, "refusals"),
        (Kind.FAILED_LOGINS, [r for r in rows if r.event == "auth.login_failed"],
         settings.alert_failed_logins, lambda r: r.attempted or r.actor, None,
         "failed sign-ins"),
    ]
    raised = []
    for kind, matching, threshold, key, distinct, words in rules:
        for subject, (hit, count) in _sliding(matching, new_from, window, threshold=threshold,
                                              key=key, distinct=distinct).items():
            alert = _raise(kind, subject, hit, count,
                           f"{count} {words} by {subject} within {minutes} minutes")
            if alert is not None:
                raised.append(alert)
    return raised


def _require_overseer(principal: Principal) -> None:
    if not (principal.is_operator or principal.role in (Role.ADMIN, Role.AUDITOR)):
        raise PermissionDenied("alerts are for the firm's administrators and auditors",
                               param="alerts")


def open_alerts(principal: Principal, limit: int = 100) -> list[Alert]:
    """Alerts nobody has acknowledged yet, newest first (for dashboards; admins and auditors)."""
    _require_overseer(principal)
    scan()
    with transaction.atomic():  # the read and its audit record in one transaction (fail closed)
        alerts = list(Alert.objects.filter(acknowledged_at__isnull=True).order_by(
            "-raised_at", "-pk")[:limit])
        record(principal, PrivacyEvent.ALERTS_VIEWED, object_type="alert",
               details={"open": len(alerts)})
    return alerts


def acknowledge(principal: Principal, alert_id: int) -> Alert:
    if not (principal.is_operator or principal.role == Role.ADMIN):
        raise PermissionDenied("only an administrator acknowledges alerts", param="alert")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(pk=alert_id,
                                                         acknowledged_at__isnull=True).first()
        if alert is None:
            raise UnknownAlert(f"no open alert {alert_id}", param="alert")
        alert.acknowledged_at = clock.now()
        alert.acknowledged_by = principal.label
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record(principal, PrivacyEvent.ALERT_ACKNOWLEDGED, object_type="alert",
               object_id=str(alert.pk), details={"kind": alert.kind})
    return alert
