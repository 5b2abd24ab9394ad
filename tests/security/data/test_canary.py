"""Canary plaintexts are found nowhere but in authorized responses (I11; SECURITY C7, E5).

Canaries go into a time entry's narrative, a trust bank account number and every sealed field
of clients, matters and entries. Then: the database bytes (SQLite file + WAL, or every PostgreSQL
row as text), everything logged at DEBUG while the firm works, the refusal and error pages an
unauthorized user or a failure produces, and the encrypted backup with its manifest must not hold
any of them, while the authorized page does (so the search is proved to work).
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from lawledger.audit import services as audit_services
from lawledger.backup.services import backup_create
from lawledger.core.access import Role
from lawledger.firm.models import Matter
from tests import factories
from tests.backup.conftest import BackupKeys, backup_keys  # noqa: F401  (fixture)
from tests.factories import OPERATOR
from tests.mfa import login as mfa_login
from tests.services.test_encryption import _plant_canaries, _raw_database_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _leaks(blob: bytes | str, canaries: dict[str, str]) -> list[str]:
    data = blob if isinstance(blob, bytes) else blob.encode()
    return sorted(name for name, value in canaries.items() if value.encode() in data)


def test_canaries_appear_only_in_authorized_responses(
        backup_keys: BackupKeys, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    canary = f"canary-{uuid.uuid4().hex}"
    marker = f"marker{uuid.uuid4().hex[:12]}"
    canaries = _plant_canaries(canary, marker)
    matter = Matter.objects.get().number
    attorney = factories.user(Role.ATTORNEY, email="ada@firm.example")
    outsider = factories.user(Role.PARALEGAL, email="pat@firm.example")
    from lawledger.access.services import matter_assign
    from lawledger.billing.services import rate_set, time_record

    matter_assign(actor=OPERATOR, matter=matter, email=attorney.label)
    rate_set(actor=OPERATOR, email=attorney.label, amount="300.00")
    canaries["narrative"] = f"{canary}-narrative"
    time_record(actor=OPERATOR, matter=matter, minutes=30, by=attorney.label, date="2026-03-12",
                narrative=canaries["narrative"])

    authorized = Client()
    mfa_login(authorized, attorney.label)
    page = authorized.get(f"/matters/{matter}/ledger/")
    assert page.status_code == 200
    assert _leaks(page.content, canaries) == ["memo", "payee", "payor", "purpose"]

    stranger = Client()
    mfa_login(stranger, outsider.label)
    refused = [stranger.get(f"/matters/{matter}/ledger/"), stranger.get(f"/matters/{matter}/"),
               stranger.get(f"/billing/matters/{matter}/time/"),
               stranger.get(f"/matters/{matter}/ledger/export/csv/")]
    assert [r.status_code for r in refused] == [404, 404, 404, 404]
    broken = Client(raise_request_exception=False)
    mfa_login(broken, attorney.label)

    def fail() -> None:
        raise RuntimeError(f"audit store down while reading {matter}")

    audit_services.fault_hook = fail
    try:
        failed = broken.get(f"/matters/{matter}/ledger/")
    finally:
        audit_services.fault_hook = None
    assert failed.status_code == 500
    for response in [*refused, failed]:
        assert _leaks(response.content, canaries) == []

    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    archive = Path(made["file"]).read_bytes()
    assert archive.startswith(b"age-encryption.org/v1\n")
    assert _leaks(archive, canaries) == [] and canary.encode() not in archive
    assert _leaks(repr(made["manifest"]), canaries) == []

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
    raw = _raw_database_bytes()
    assert marker.encode() in raw
    assert _leaks(raw, canaries) == []

    logged = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "lawledger" in logged or caplog.records  # something was logged and scanned
    assert _leaks(logged, canaries) == []
    assert canary not in logged
