"""The banking command-line contract (DESIGN.md): `bank import` and `reconcile`, exit codes, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import FreshFirm, fresh_firm

pytestmark = pytest.mark.slow

CORPUS = Path("/work/shared/corpus")

MARCH_CSV = (b"Date,Description,Amount,Check\n"
             b"2026-03-03,Deposit Acme,1000.00,\n"
             b"2026-03-12,Check 101,-75.00,101\n"
             b"2026-03-31,Service charge,-15.00,\n")
PROFILE = {"date_column": "Date", "amount_column": "Amount",
           "description_columns": ["Description"], "check_number_column": "Check"}


@pytest.fixture
def firm(tmp_path: Path) -> Iterator[FreshFirm]:
    with fresh_firm(tmp_path) as made:
        made.ok("firm", "set", "uncleared_funds", "off")
        made.ok("client", "add", "Acme Corp")
        made.ok("matter", "open", "C-0001", "Sale of premises")
        made.ok("account", "add", "IOLTA", "--kind", "trust", "--number", "123456789")
        yield made


def test_a_month_imported_reconciled_and_signed_off_from_the_command_line(
        firm: FreshFirm, tmp_path: Path) -> None:
    firm.ok("user", "add", "keeper@firm.example", "--role", "bookkeeper")
    firm.ok("user", "add", "boss@firm.example", "--role", "admin")
    for args in (("trust", "deposit", "M-0001", "1000.00", "--date", "2026-03-02", "--from",
                  "Acme Corp"),
                 ("trust", "disburse", "M-0001", "75.00", "--date", "2026-03-05", "--to",
                  "County", "--check-number", "101"),
                 ("trust", "disburse", "M-0001", "200.00", "--date", "2026-03-28", "--to",
                  "Recorder", "--check-number", "102")):
        firm.ok(*args, "--account", "IOLTA")
    (tmp_path / "plain.json").write_text(json.dumps(PROFILE))
    assert firm.ok("bank", "profile", "add", "plain", str(tmp_path / "plain.json"),
                   as_="keeper@firm.example").stdout.strip() == "plain"
    (tmp_path / "march.csv").write_bytes(MARCH_CSV)
    imported = firm.json("bank", "import", "IOLTA", str(tmp_path / "march.csv"), "--profile",
                         "plain", as_="keeper@firm.example")
    assert (imported["new"], imported["duplicate"], imported["period"]) == (
        3, 0, {"start": "2026-03-03", "end": "2026-03-31"})
    assert imported["proposed_matches"] == 2
    again = firm.ok("bank", "import", "IOLTA", str(tmp_path / "march.csv"), "--profile", "plain",
                    as_="keeper@firm.example")
    assert "0 new, 3 duplicate line(s) (this file was imported before)" in again.stdout
    report = firm.json("reconcile", "IOLTA", "--date", "2026-03-31", "--statement-balance",
                       "910.00", as_="keeper@firm.example")
    assert {key: report[key] for key in (
        "statement_balance", "deposits_in_transit", "outstanding_checks",
        "adjusted_bank_balance", "journal_balance", "client_ledgers_total", "balanced")} == {
        "statement_balance": "910.00", "deposits_in_transit": "0.00",
        "outstanding_checks": "200.00", "adjusted_bank_balance": "725.00",
        "journal_balance": "725.00", "client_ledgers_total": "725.00", "balanced": True}
    assert [(i["type"], i["amount"]) for i in report["items"]] == [
        ("outstanding_check", "-200.00"), ("bank_only", "-15.00")]
    refused = firm.run("reconcile", "IOLTA", "--date", "2026-03-31", "--statement-balance",
                       "910.00", "--sign-off", "--json", as_="keeper@firm.example")
    assert refused.code == 1 and refused.json["error"]["code"] == "permission_denied"
    unbalanced = firm.run("reconcile", "IOLTA", "--date", "2026-03-31", "--statement-balance",
                          "900.00", "--sign-off", as_="boss@firm.example")
    assert unbalanced.code == 1 and "reconciliation_unbalanced" in unbalanced.stderr
    signed = firm.json("reconcile", "IOLTA", "--date", "2026-03-31", "--statement-balance",
                       "910.00", "--sign-off", "--pdf", str(tmp_path / "march.pdf"),
                       as_="boss@firm.example")
    assert (signed["status"], signed["balanced"], signed["signed_by"]) == (
        "signed", True, "boss@firm.example")
    assert len(signed["report_sha256"]) == 64
    assert (tmp_path / "march.pdf").read_bytes().startswith(b"%PDF")
    locked = firm.run("trust", "deposit", "M-0001", "5.00", "--account", "IOLTA", "--date",
                      "2026-03-31", "--from", "Acme Corp")
    assert locked.code == 1 and "period_locked" in locked.stderr


def test_hostile_and_foreign_files_are_refused_with_their_reason(firm: FreshFirm,
                                                                 tmp_path: Path) -> None:
    huge = tmp_path / "huge.ofx"
    with huge.open("wb") as handle:  # sparse: 200 MB long, nothing written to disk
        handle.truncate(200 * 1024 * 1024)
    too_large = firm.run("bank", "import", "IOLTA", str(huge), "--json")
    assert too_large.code == 2
    assert too_large.json["error"]["code"] == "statement_too_large"
    assert too_large.json["error"]["param"] == "file"
    xxe = tmp_path / "xxe.ofx"
    xxe.write_bytes(b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    b"<OFX>&x;</OFX>")
    refused = firm.run("bank", "import", "IOLTA", str(xxe))
    assert refused.code == 2 and "DOCTYPE" in refused.stderr and "root:" not in refused.stderr
    if not CORPUS.exists():
        return
    # a real OFX statement of account 1452687~7 is not a statement of IOLTA (…6789)
    foreign = firm.run("bank", "import", "IOLTA", str(CORPUS / "ofx" / "ofxparse__checking.ofx"),
                       "--json")
    assert foreign.code == 1
    assert foreign.json["error"]["code"] == "statement_account_mismatch"
    assert firm.json("bank", "lines", "IOLTA")["lines"] == []
