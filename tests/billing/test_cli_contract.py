"""The billing commands of the CLI contract (DESIGN.md) on a fresh firm, as acceptance checks
drive them: JSON shapes, exit codes 0/1/2, gapless numbers, payment from trust, LEDES."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import FreshFirm, fresh_firm

pytestmark = pytest.mark.slow

CORPUS = Path("/work/shared/corpus/ledes")
LINE_FIELDS = {"kind", "date", "minutes", "quantity", "rate", "amount", "task", "activity",
               "expense_code", "timekeeper"}


@pytest.fixture
def firm(tmp_path: Path) -> FreshFirm:
    with fresh_firm(tmp_path) as made:
        made.ok("user", "add", "ada@firm.example", "--role", "attorney", "--name", "Ada Lovelace")
        made.ok("user", "add", "bea@firm.example", "--role", "bookkeeper")
        made.ok("user", "add", "pat@firm.example", "--role", "paralegal")
        made.ok("client", "add", "Acme Corp")
        made.ok("matter", "open", "C-0001", "Acme v. Widget", "--responsible", "ada@firm.example")
        made.ok("matter", "assign", "M-0001", "pat@firm.example")
        made.ok("account", "add", "IOLTA", "--kind", "trust")
        made.ok("account", "add", "Operating", "--kind", "operating")
        yield made


def test_the_billing_journey_of_the_contract(firm: FreshFirm, tmp_path: Path) -> None:
    rate = firm.json("rate", "set", "ada@firm.example", "300.00")
    assert (rate["rate"], rate["scope"]) == ("300.00", "timekeeper")
    firm.ok("rate", "set", "ada@firm.example", "250.00", "--matter", "M-0001", "--from",
            "2026-03-15")
    entry = firm.json("time", "add", "M-0001", "50", "--by", "ada@firm.example", "--date",
                      "2026-03-10", "--narrative", "Drafted | the [] complaint", "--task", "L110",
                      "--activity", "A101")
    assert (entry["minutes"], entry["billable_minutes"], entry["rate"]) == (50, 54, "300.00")
    firm.ok("time", "add", "M-0001", "30", "--by", "ada@firm.example", "--date", "2026-03-16",
            "--narrative", "Call with client", "--no-charge")
    expense = firm.json("expense", "add", "M-0001", "0.25", "--date", "2026-03-11",
                        "--description", "Copies", "--code", "E101", "--quantity", "120")
    assert (expense["amount"], expense["unit_cost"], expense["quantity"]) == ("30.00", "0.25", "120")
    invoice_id = firm.ok("invoice", "draft", "M-0001", "--through", "2026-03-31").stdout.strip()
    assert invoice_id.startswith("inv_")
    shown = firm.json("invoice", "show", invoice_id)
    assert (shown["id"], shown["number"], shown["status"], shown["currency"]) == (
        invoice_id, None, "draft", "USD")
    assert (shown["total"], shown["balance_due"]) == ("300.00", "300.00")
    assert [(line["kind"], line["minutes"], line["quantity"], line["rate"], line["amount"]) for line in
            shown["lines"]] == [("fee", 54, None, "300.00", "270.00"),
                                ("fee", 30, None, "250.00", "0.00"),
                                ("expense", None, "120", "0.25", "30.00")]
    assert all(set(line) >= LINE_FIELDS for line in shown["lines"])
    assert shown["lines"][0]["task"] == "L110" and shown["lines"][2]["expense_code"] == "E101"
    assert shown["lines"][0]["timekeeper"] == "ada@firm.example"
    assert firm.ok("invoice", "finalize", invoice_id).stdout.strip() == "00001"
    final = firm.json("invoice", "show", "00001")
    assert (final["number"], final["status"]) == ("00001", "finalized")
    refused = firm.run("invoice", "pay", "00001", "300.00", "--date", "2026-04-02",
                       "--from-trust", "--account", "IOLTA", "--json")
    assert refused.code == 1 and "client_ledger_overdraft" in refused.stderr
    assert refused.json["error"]["code"] == "client_ledger_overdraft"
    assert firm.json("invoice", "show", "00001")["balance_due"] == "300.00"
    firm.ok("trust", "deposit", "M-0001", "1000.00", "--account", "IOLTA", "--date", "2026-03-01",
            "--from", "Acme Corp")
    paid = firm.json("invoice", "pay", "00001", "300.00", "--date", "2026-04-02", "--from-trust",
                     "--account", "IOLTA")
    assert paid["trust_entry"].startswith("je_") and paid["balance_due"] == "0.00"
    assert firm.json("trust", "ledger", "M-0001")["balance"] == "700.00"
    ledes = tmp_path / "out.ledes"
    firm.ok("invoice", "export", "00001", "--ledes", str(ledes))
    text = ledes.read_bytes().decode()
    assert text.startswith("LEDES1998B[]\r\n") and "Drafted / the [ ] complaint" in text
    assert firm.json("ledes", "validate", str(ledes))["valid"] is True
    assert firm.json("audit", "verify")["ok"] is True


def test_ledes_validate_accepts_the_spec_and_names_the_first_bad_line(firm: FreshFirm) -> None:
    spec = CORPUS / "ledes-parser__ledes_98B_spec_rows_only.txt"
    broken = CORPUS / "ledes-parser__ledes_98B.txt"
    if not spec.exists():
        pytest.skip("the shared LEDES corpus is not on this machine")
    assert firm.json("ledes", "validate", str(spec))["invoices"] == ["96542", "96543"]
    result = firm.run("ledes", "validate", str(broken), "--json")
    assert result.code == 1
    assert "line 9" in result.stderr and "ledes_invalid" in result.stderr
    assert result.json["error"]["param"] == "line 9"
    assert result.json["first_bad_line"] == 9
    missing = firm.run("ledes", "validate", "/nonexistent/file.ledes")
    assert missing.code == 2 and "file" in missing.stderr


def test_billing_refusals_and_bad_input_exit_1_and_2(firm: FreshFirm) -> None:
    firm.ok("rate", "set", "ada@firm.example", "300.00")
    for args, field in [
        (("time", "add", "M-0001", "ninety", "--by", "ada@firm.example", "--date", "2026-03-10",
          "--narrative", "x"), "minutes"),
        (("time", "add", "M-0001", "60", "--by", "ada@firm.example", "--date", "2026-03-10",
          "--narrative", "x", "--task", "L999"), "task"),
        (("expense", "add", "M-0001", "1.005", "--date", "2026-03-10", "--description", "x"),
         "amount"),
        (("rate", "set", "nobody@firm.example", "100.00"), "email"),
    ]:
        result = firm.run(*args, "--json")
        assert result.code == 2, (args, result.stderr)
        assert result.json["error"]["param"] == field
    firm.ok("time", "add", "M-0001", "60", "--by", "ada@firm.example", "--date", "2026-03-10",
            "--narrative", "Research")
    denied = firm.run("invoice", "draft", "M-0001", as_="pat@firm.example")
    assert denied.code == 1 and "permission_denied" in denied.stderr
    invoice_id = firm.ok("invoice", "draft", "M-0001", as_="ada@firm.example").stdout.strip()
    waiting = firm.run("invoice", "finalize", invoice_id, as_="bea@firm.example")
    assert waiting.code == 1 and "prebill_not_approved" in waiting.stderr
    firm.ok("invoice", "approve", invoice_id, as_="ada@firm.example")
    assert firm.ok("invoice", "finalize", invoice_id,
                   as_="bea@firm.example").stdout.strip() == "00001"
    again = firm.run("invoice", "finalize", invoice_id)
    assert again.code == 1 and "invoice_finalized" in again.stderr
    firm.ok("time", "add", "M-0001", "30", "--by", "ada@firm.example", "--date", "2026-03-12",
            "--narrative", "Follow-up")
    run = firm.json("billing", "run", "--through", "2026-03-31")
    assert [row["matter"] for row in run["drafted"]] == ["M-0001"]
    assert firm.ok("invoice", "finalize", run["drafted"][0]["invoice"]).stdout.strip() == "00002"
