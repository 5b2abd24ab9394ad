"""The command-line contract of DESIGN.md, exit codes and JSON shapes, on a fresh firm."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.cli import FreshFirm, fresh_firm

pytestmark = pytest.mark.slow


@pytest.fixture
def firm(tmp_path: Path) -> FreshFirm:
    with fresh_firm(tmp_path) as made:
        yield made


def test_init_creates_the_home_with_a_private_master_key(firm: FreshFirm) -> None:
    key = firm.home / "keys" / "master.key"
    if "DATABASE_URL" not in firm.env:
        assert (firm.home / "lawledger.sqlite3").exists()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert firm.ok("init").code == 0  # running it again is harmless


def test_the_trust_journey_of_the_contract(firm: FreshFirm) -> None:
    assert firm.ok("client", "add", "Acme Corp").stdout.strip() == "C-0001"
    assert firm.ok("matter", "open", "C-0001", "Sale of premises").stdout.strip() == "M-0001"
    assert firm.ok("account", "add", "IOLTA", "--kind", "trust").stdout.strip() == "IOLTA"
    deposit = firm.json("trust", "deposit", "M-0001", "1000.00", "--account", "IOLTA",
                        "--date", "2026-03-10", "--from", "Acme Corp", "--method", "wire")
    assert deposit["amount"] == "1000.00"
    firm.ok("firm", "set", "uncleared_funds", "off")
    paid = firm.ok("trust", "disburse", "M-0001", "250.00", "--account", "IOLTA", "--date",
                   "2026-03-20", "--to", "County Recorder", "--check-number", "101")
    assert paid.stdout.strip().startswith("je_")
    ledger = firm.json("trust", "ledger", "M-0001")
    assert ledger["matter"] == "M-0001"
    assert ledger["currency"] == "USD"
    assert ledger["balance"] == "750.00"
    assert [(e["kind"], e["amount"], e["running_balance"]) for e in ledger["entries"]] == [
        ("deposit", "1000.00", "1000.00"), ("disbursement", "-250.00", "750.00")]
    assert ledger["entries"][0]["id"] == deposit["id"]
    assert all(set(e) >= {"id", "date", "kind", "amount", "running_balance"}
               for e in ledger["entries"])
    journal = firm.json("trust", "journal", "IOLTA")
    assert (journal["account"], journal["currency"], journal["balance"]) == ("IOLTA", "USD",
                                                                             "750.00")
    paid_id = paid.stdout.strip()
    reversal = firm.json("trust", "reverse", paid_id, "--reason", "check voided")
    assert reversal["kind"] == "reversal"
    assert firm.run("trust", "reverse", paid_id, "--reason", "again").code == 1
    assert firm.json("trust", "ledger", "M-0001")["balance"] == "1000.00"


def test_a_refused_rule_exits_1_naming_it_and_changes_nothing(firm: FreshFirm) -> None:
    firm.ok("client", "add", "Acme")
    firm.ok("matter", "open", "C-0001", "Deal")
    firm.ok("account", "add", "IOLTA", "--kind", "trust")
    firm.ok("trust", "deposit", "M-0001", "100.00", "--account", "IOLTA", "--date", "2026-03-10",
            "--from", "Acme")
    firm.ok("trust", "disburse", "M-0001", "80.00", "--account", "IOLTA", "--date", "2026-03-20",
            "--to", "Court")
    refused = firm.run("trust", "disburse", "M-0001", "50.00", "--account", "IOLTA", "--date",
                       "2026-03-15", "--to", "Court", "--json")
    assert refused.code == 1
    assert "client_ledger_overdraft" in refused.stderr
    assert refused.json["error"]["code"] == "client_ledger_overdraft"
    assert firm.json("trust", "ledger", "M-0001")["balance"] == "20.00"
    closing = firm.run("matter", "close", "M-0001")
    assert closing.code == 1 and "matter_has_trust_balance" in closing.stderr


@pytest.mark.parametrize(("args", "field"), [
    (("client", "add", "X", "--number", "bad number!"), "number"),
    (("matter", "open", "C-9999", "Nothing"), "client"),
    (("user", "add", "not-an-email", "--role", "attorney"), "email"),
    (("user", "add", "a@b.example", "--role", "wizard"), "role"),
    (("trust", "deposit", "M-0001", "12.345", "--account", "IOLTA", "--date", "2026-03-10",
      "--from", "A"), "amount"),
    (("trust", "deposit", "M-0001", "12.00", "--account", "IOLTA", "--date", "10/03/2026",
      "--from", "A"), "date"),
    (("trust", "deposit", "M-9999", "12.00", "--account", "IOLTA", "--date", "2026-03-10",
      "--from", "A"), "matter"),
    (("firm", "set", "uncleared_funds", "sometimes"), "uncleared_funds"),
])
def test_bad_input_exits_2_naming_the_field(firm: FreshFirm, args: tuple[str, ...],
                                            field: str) -> None:
    firm.ok("client", "add", "Acme")
    firm.ok("matter", "open", "C-0001", "Deal")
    firm.ok("account", "add", "IOLTA", "--kind", "trust")
    result = firm.run(*args, "--json")
    assert result.code == 2, result.stderr
    assert result.json["error"]["param"] == field
    assert field in result.stderr
    assert firm.json("trust", "ledger", "M-0001")["entries"] == []


def test_duplicate_numbers_are_refused(firm: FreshFirm) -> None:
    firm.ok("client", "add", "Acme", "--number", "C-100")
    assert firm.run("client", "add", "Other", "--number", "C-100").code == 2
    firm.ok("matter", "open", "C-100", "Deal", "--number", "2026-001")
    assert firm.run("matter", "open", "C-100", "Again", "--number", "2026-001").code == 2
    assert firm.json("client", "list")["clients"] == [{"number": "C-100", "name": "Acme"}]


def test_the_acting_user_is_named_with_as_and_audited(firm: FreshFirm) -> None:
    firm.ok("user", "add", "pat@firm.example", "--role", "paralegal")
    firm.ok("client", "add", "Acme")
    firm.ok("matter", "open", "C-0001", "Deal")
    hidden = firm.run("trust", "ledger", "M-0001", as_="pat@firm.example")
    assert hidden.code == 2 and "no matter" in hidden.stderr
    unknown = firm.run("client", "list", as_="nobody@firm.example")
    assert unknown.code == 2
    refused = firm.run("user", "add", "x@firm.example", "--role", "admin", as_="pat@firm.example")
    assert refused.code == 1 and "permission_denied" in refused.stderr
    verify = firm.json("audit", "verify")
    assert verify["ok"] is True and verify["records"] >= 5


def test_every_command_prints_one_json_document(firm: FreshFirm) -> None:
    for args in [("firm", "show"), ("client", "add", "Acme"), ("client", "list"),
                 ("matter", "open", "C-0001", "Deal"), ("matter", "list"),
                 ("account", "add", "IOLTA", "--kind", "trust"), ("account", "list"),
                 ("trust", "listing"), ("trust", "ledger", "M-0001"), ("audit", "verify"),
                 ("user", "list")]:
        result = firm.ok(*args, "--json")
        assert isinstance(json.loads(result.stdout), dict), args


def test_firm_settings_have_the_documented_defaults(firm: FreshFirm) -> None:
    settings = firm.json("firm", "show")
    assert settings["jurisdiction"] == "aba"
    assert settings["base_currency"] == "USD"
    assert settings["uncleared_funds"] == "warn"
    assert settings["clearing_business_days"] == 5
    assert settings["billing_increment_minutes"] == 6
    assert "invoice_prefix" in settings


def test_the_first_command_on_a_fresh_home_creates_the_firm(tmp_path: Path) -> None:
    with fresh_firm(tmp_path, init=False) as firm:
        result = firm.run("client", "add", "Acme")
        assert result.code == 0, result.stderr
        assert result.stdout.strip() == "C-0001"
        assert "new one was created" in result.stderr
        assert (firm.home / "keys" / "master.key").exists()
        assert firm.json("audit", "verify")["ok"] is True


def test_a_firm_whose_master_key_is_gone_refuses_to_start(firm: FreshFirm) -> None:
    firm.ok("client", "add", "Acme")
    (firm.home / "keys" / "master.key").unlink()
    result = firm.run("client", "list", "--json")
    assert result.code == 2
    assert "master key" in result.stderr
    assert result.json["error"]["code"] == "not_initialised"
