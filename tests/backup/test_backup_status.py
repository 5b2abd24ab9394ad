"""The dashboard's backup warning: the last backup `backup verify` proved, older than a day or none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from lawledger.audit.services import record
from lawledger.backup.events import BackupEvent
from lawledger.backup.queries import backup_status
from lawledger.backup.services import backup_create, backup_verify
from lawledger.core.access import Action, role_allows
from lawledger.core.errors import PermissionDenied
from tests import factories
from tests.access_matrix import build_matrix
from tests.backup.conftest import BackupKeys
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_warns_until_a_backup_is_verified_and_again_a_day_after_the_last_one(
        backup_keys: BackupKeys) -> None:
    factories.trust_firm()
    made = backup_create(actor=OPERATOR, directory=str(backup_keys.backups))
    status = backup_status(OPERATOR)
    assert status["last_created_at"] is not None
    assert status["last_verified_at"] is None
    assert status["warning"] == ("No backup has been verified yet: run `lawledger backup verify` "
                                 "on the newest backup (docs/operations.md).")
    backup_verify(actor=OPERATOR, file=made["file"], identity=str(backup_keys.identity))
    status = backup_status(OPERATOR)
    verified_at = dt.datetime.fromisoformat(status["last_verified_at"])
    assert status["last_verified_file"] == made["file"]
    assert status["warning"] is None
    assert backup_status(OPERATOR, now=verified_at + dt.timedelta(hours=23))["warning"] is None
    later = backup_status(OPERATOR, now=verified_at + dt.timedelta(hours=25, minutes=5))
    assert later["warning"] == ("The last verified backup is 25 hours old: verify a recent backup "
                                "(`lawledger backup verify`).")


def test_a_failed_verification_does_not_count_as_verified() -> None:
    factories.firm()
    with transaction.atomic():
        record(OPERATOR, BackupEvent.VERIFIED, object_type="backup", object_id="x.age",
               outcome="failed", details={"file": "x.age", "code": "backup_tampered"})
    status = backup_status(OPERATOR)
    assert status["last_verified_at"] is None
    assert status["warning"] is not None


def test_only_roles_that_see_firm_reports_read_the_backup_status() -> None:
    matrix = build_matrix()
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        if role_allows(principal, Action.VIEW_FIRM_REPORTS):
            assert backup_status(principal)["warning"] is not None, who
        else:
            with pytest.raises(PermissionDenied):
                backup_status(principal)
