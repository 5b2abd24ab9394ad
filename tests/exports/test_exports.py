"""Beancount and hledger exports: the other tool accepts the books and agrees to the cent."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from bench.generator import load_firm, shape_for

from lawledger.audit import services as audit_services
from lawledger.audit.models import AuditRecord
from lawledger.core.errors import AuditFailure, NotFound, PermissionDenied
from lawledger.core.ledger import NORMAL_SIDE, AccountKind
from lawledger.exports.beancount import write_beancount
from lawledger.exports.books import account_component, export_books
from lawledger.exports.hledger import write_hledger
from lawledger.ledger.models import LedgerAccount
from tests import factories
from tests.access_matrix import build_matrix
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db


def _our_balances() -> dict[str, Decimal]:
    """lawledger's balances under the export's account names, in beancount's sign (debit +)."""
    from lawledger.exports.books import _ROOTS

    out: dict[str, Decimal] = {}
    for ledger in LedgerAccount.objects.select_related("bank_account", "matter"):
        name = _ROOTS[AccountKind(ledger.kind)].format(
            bank=account_component(ledger.bank_account.name),
            matter=account_component(ledger.matter.number if ledger.matter else ""))
        signed = NORMAL_SIDE[AccountKind(ledger.kind)] * ledger.balance_minor
        out[name] = out.get(name, Decimal(0)) + Decimal(signed) / 100
    return {name: value for name, value in out.items() if value}


@pytest.fixture
def small_firm() -> None:
    factories.firm()
    load_firm(shape_for(800))


def _beancount_balances(path: Path) -> dict[str, Decimal]:
    from beancount import loader
    from beancount.core import realization

    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    balances = {}
    for account in realization.iter_children(realization.realize(entries)):
        for position in account.balance:
            assert position.units.currency == "USD"
            if position.units.number:
                balances[account.account] = position.units.number
    return balances


def test_bean_check_accepts_the_export_and_beancount_agrees_to_the_cent(
        small_firm: None, tmp_path: Path) -> None:
    path = tmp_path / "books.beancount"
    result = export_books(OPERATOR, writer=write_beancount, fmt="beancount", path=path)
    assert result["entries"] == 800
    balances = _beancount_balances(path)
    ours = _our_balances()
    assert balances == ours
    assert any(name.startswith("Liabilities:Trust:M-0001") for name in balances)
    assert sum(balances.values()) == 0


def test_hledger_agrees_with_the_export_to_the_cent(small_firm: None, tmp_path: Path) -> None:
    hledger = shutil.which("hledger")
    if hledger is None:
        pytest.skip("the hledger binary is not installed (Debian package `hledger`; "
                    "`python -m bench` installs it): the beancount check still ran")
    path = tmp_path / "books.journal"
    export_books(OPERATOR, writer=write_hledger, fmt="hledger", path=path)
    done = subprocess.run([hledger, "-f", str(path), "bal", "--flat", "--no-total", "-O", "csv"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(done.stdout)))[1:]
    balances = {account: Decimal(amount.removesuffix(" USD").strip()) for account, amount in rows
                if Decimal(amount.removesuffix(" USD").strip())}
    assert balances == _our_balances()


def test_one_bank_accounts_books_alone_still_balance(small_firm: None, tmp_path: Path) -> None:
    path = tmp_path / "iolta.beancount"
    result = export_books(OPERATOR, writer=write_beancount, fmt="beancount", path=path,
                          account="IOLTA")
    balances = _beancount_balances(path)
    assert result["account"] == "IOLTA"
    # Earned fees leave the trust book for the operating book: both sides are in the entry.
    assert {name.split(":")[0] for name in balances} == {"Assets", "Liabilities", "Equity", "Income"}
    assert balances["Assets:Trust:IOLTA"] == _our_balances()["Assets:Trust:IOLTA"]


def test_awkward_text_stays_inside_its_field_in_both_journals(tmp_path: Path) -> None:
    made = factories.trust_firm()
    factories.deposit(made["matter"], "10.00", payor='Quote " back\\slash ; semi | pipe')
    factories.disburse(made["matter"], "2.50", payee="Ünïcode ‘quotes’", purpose="a; b | c")
    path = tmp_path / "odd.beancount"
    export_books(OPERATOR, writer=write_beancount, fmt="beancount", path=path)
    assert _beancount_balances(path)[f"Liabilities:Trust:{made['matter']}"] == Decimal("-7.50")
    text = path.read_text()
    assert '"Quote \\" back\\\\slash ; semi | pipe"' in text
    journal = tmp_path / "odd.journal"
    export_books(OPERATOR, writer=write_hledger, fmt="hledger", path=journal)
    assert "* Quote \" back\\slash , semi / pipe | deposit" in journal.read_text()


def test_the_export_is_audited_with_the_files_sha256(small_firm: None, tmp_path: Path) -> None:
    path = tmp_path / "books.journal"
    result = export_books(OPERATOR, writer=write_hledger, fmt="hledger", path=path)
    audit = AuditRecord.objects.filter(event="export.created").latest("seq")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert audit.details == {"format": "hledger", "account": "", "entries": 800,
                             "file": "books.journal", "sha256": digest}
    assert result["sha256"] == digest
    assert path.stat().st_mode & 0o777 == 0o600


def test_no_file_appears_when_the_audit_record_cannot_be_written(tmp_path: Path) -> None:
    factories.trust_firm()

    def fail() -> None:
        raise AuditFailure("audit store unavailable")

    audit_services.fault_hook = fail
    with pytest.raises(AuditFailure):
        export_books(OPERATOR, writer=write_beancount, fmt="beancount", path=tmp_path / "b.bean")
    assert list(tmp_path.iterdir()) == []


def test_only_the_firm_report_roles_export_and_a_wall_refuses_the_whole_books(
        tmp_path: Path) -> None:
    matrix = build_matrix()
    factories.trust_account()
    factories.deposit(matrix.matter, "10.00")
    allowed = {"admin", "bookkeeper", "auditor"}
    for who, principal in matrix.principals.items():
        if principal is None:
            continue
        path = tmp_path / f"{who}.beancount"
        before = AuditRecord.objects.filter(event="export.created").count()
        if who in allowed:
            export_books(principal, writer=write_beancount, fmt="beancount", path=path)
            assert path.exists(), who
            assert AuditRecord.objects.filter(event="export.created").count() == before + 1
            continue
        with pytest.raises((PermissionDenied, NotFound)):
            export_books(principal, writer=write_beancount, fmt="beancount", path=path)
        assert not path.exists(), who
        assert AuditRecord.objects.filter(event="export.created").count() == before
