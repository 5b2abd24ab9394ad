"""Moving a firm in from CSV: clients, matters and opening trust balances are checked in full
(every bad row named, with its line and field) and written all together or not at all."""

from __future__ import annotations

import pytest

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Role
from lawledger.core.errors import InvalidInput, PermissionDenied
from lawledger.firm.models import Client, Matter
from lawledger.ledger.models import JournalEntry
from lawledger.onboarding.csv_import import clients_import
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

GOOD = (b"client,client_number,matter_title,matter_number,responsible,opening_balance,account,date\n"
        b"Acme Corp,C-0100,Sale of premises,M-0100,ada@firm.example,1250.00,IOLTA,2026-01-31\n"
        b"Acme Corp,C-0100,Lease dispute,,,,,\n"
        b"Widget Ltd,,Patent filing,,,300.50,IOLTA,2026-01-31\n")
BAD = (b"client,matter_title,opening_balance,account,date,responsible\n"
       b"Acme Corp,Sale of premises,1250.00,IOLTA,2026-01-31,\n"
       b",No client name,,,,\n"
       b"Widget Ltd,Patent filing,12.345,IOLTA,2026-01-31,\n"
       b"Gadget Inc,Contract review,50.00,NOSUCH,2026-01-31,\n"
       b"Gizmo LLC,Merger,50.00,IOLTA,,\n"
       b"Doohickey,Trademark,,,,nobody@firm.example\n")


@pytest.fixture
def ready() -> None:
    factories.firm()
    factories.user(Role.ATTORNEY, email="ada@firm.example")
    factories.trust_account()


def _counts() -> tuple[int, int, int]:
    return Client.objects.count(), Matter.objects.count(), JournalEntry.objects.count()


def test_a_clean_file_imports_clients_matters_and_opening_balances(ready: None) -> None:
    report = clients_import(actor=OPERATOR, data=GOOD)
    assert (report.written, report.problems) == (True, [])
    assert report.clients == ["C-0100", "C-0001"]
    assert report.matters[:2] == ["M-0100", "M-0001"] and len(report.matters) == 3
    assert factories.balance("M-0100") == "1250.00"
    assert factories.balance(report.matters[2]) == "300.50"
    assert Matter.objects.get(number="M-0100").responsible.email == "ada@firm.example"
    assert Matter.objects.filter(client__number="C-0100").count() == 2
    assert AuditRecord.objects.filter(event="onboarding.clients_imported").count() == 1


def test_a_dry_run_reports_what_it_would_do_and_writes_nothing(ready: None) -> None:
    before = _counts()
    report = clients_import(actor=OPERATOR, data=GOOD, dry_run=True)
    assert (report.written, report.problems, len(report.matters)) == (False, [], 3)
    assert _counts() == before
    assert AuditRecord.objects.filter(event="onboarding.clients_checked").count() == 1


@pytest.mark.parametrize("dry_run", [True, False])
def test_every_bad_row_is_named_and_nothing_is_written(ready: None, dry_run: bool) -> None:
    before = _counts()
    report = clients_import(actor=OPERATOR, data=BAD, dry_run=dry_run)
    assert [(p["line"], p["field"]) for p in report.problems] == [
        (3, "name"), (4, "amount"), (5, "account"), (6, "date"), (7, "responsible")]
    assert report.written is False
    assert _counts() == before


def test_a_bad_header_or_encoding_is_refused_before_any_row(ready: None) -> None:
    with pytest.raises(InvalidInput) as refused:
        clients_import(actor=OPERATOR, data=b"client,matter_title,client_id\nA,B,7\n")
    assert refused.value.param == "line 1" and "client_id" in refused.value.message
    with pytest.raises(InvalidInput) as refused:
        clients_import(actor=OPERATOR, data=b"client,matter_title\n\xff\xfe,B\n")
    assert refused.value.param == "file"
    with pytest.raises(InvalidInput) as refused:
        clients_import(actor=OPERATOR, data=b"client,matter_title\nA,B,C\n")
    assert refused.value.param == "line 2"


def test_only_those_who_open_matters_and_take_deposits_may_import(ready: None) -> None:
    attorney = factories.user(Role.ATTORNEY, email="eve@firm.example")
    with pytest.raises(PermissionDenied):
        clients_import(actor=attorney, data=GOOD)
    assert _counts() == (0, 0, 0)


def test_each_principal_of_the_role_matrix_imports_only_with_deposit_and_matter_rights() -> None:
    from tests.access_matrix import build_matrix

    matrix = build_matrix()
    allowed = {"admin", "admin_walled", "bookkeeper"}  # RECORD_DEPOSIT and OPEN_MATTER
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        before = (_counts(), AuditRecord.objects.filter(event__startswith="onboarding.").count())
        data = f"client,matter_title\nImported for {who},Sale of premises\n".encode()
        if who in allowed:
            report = clients_import(actor=principal, data=data)
            assert (len(report.clients), len(report.matters), report.problems) == (1, 1, []), who
            onboarding = AuditRecord.objects.filter(event__startswith="onboarding.")
            assert onboarding.count() == before[1] + 1, who
            assert onboarding.order_by("-pk")[0].event == "onboarding.clients_imported", who
            continue
        with pytest.raises(PermissionDenied):
            clients_import(actor=principal, data=data)
        assert (_counts(), AuditRecord.objects.filter(
            event__startswith="onboarding.").count()) == before, who
