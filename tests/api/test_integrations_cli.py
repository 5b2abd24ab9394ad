"""`lawledger import clients`, `export gl-csv|quickbooks-iif|xero-csv` and `webhook …` as scripts
call them: one JSON document, exit 0 / 1 (a rule, e.g. not an admin) / 2 (bad input, every bad
row named, nothing written)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import FreshFirm, fresh_firm

pytestmark = pytest.mark.slow

CSV = (b"client,matter_title,opening_balance,account,date\n"
       b"Acme Corp,Sale,1250.00,IOLTA,2026-01-31\n")
BAD = (b"client,matter_title,opening_balance,account,date\n"
       b"Acme Corp,Sale,12.345,IOLTA,2026-01-31\n"
       b",No name,,,\n")


@pytest.fixture
def firm(tmp_path: Path) -> Iterator[FreshFirm]:
    with fresh_firm(tmp_path) as made:
        made.ok("account", "add", "IOLTA", "--kind", "trust")
        made.ok("user", "add", "books@firm.example", "--role", "bookkeeper")
        yield made


def test_a_firm_moves_in_and_its_books_go_out(firm: FreshFirm, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(BAD)
    refused = firm.run("import", "clients", str(tmp_path / "bad.csv"), "--json")
    assert refused.code == 2
    assert [(p["line"], p["field"]) for p in refused.json["problems"]] == [
        (2, "amount"), (3, "name")]
    assert refused.json["error"]["param"] == "line 2" and refused.json["written"] is False
    (tmp_path / "firm.csv").write_bytes(CSV)
    checked = firm.json("import", "clients", str(tmp_path / "firm.csv"), "--dry-run")
    assert (checked["valid"], checked["written"], checked["matters"]) == (True, False, ["M-0001"])
    done = firm.json("import", "clients", str(tmp_path / "firm.csv"))
    assert (done["written"], done["clients"], len(done["opening_entries"])) == (
        True, ["C-0001"], 1)
    assert firm.json("trust", "ledger", "M-0001")["balance"] == "1250.00"
    exported = firm.json("export", "gl-csv", str(tmp_path / "books.csv"))
    assert exported["entries"] == 1 and exported["format"] == "gl-csv"
    assert "1250.00" in (tmp_path / "books.csv").read_text()


def test_webhooks_are_for_admins_and_the_secret_is_shown_once(firm: FreshFirm) -> None:
    denied = firm.run("webhook", "add", "https://hooks.example/x", "--event", "entry.posted",
                      as_="books@firm.example")
    assert denied.code == 1 and "permission_denied" in denied.stderr
    bad = firm.run("webhook", "add", "http://hooks.example/x", "--event", "entry.posted")
    assert bad.code == 2 and "url" in bad.stderr
    made = firm.json("webhook", "add", "https://hooks.example/x", "--event", "entry.posted")
    assert made["secret"].startswith("whsec_") and made["events"] == ["entry.posted"]
    listed = firm.run("webhook", "list", "--json")
    assert made["secret"] not in listed.stdout
    assert [w["id"] for w in listed.json["webhooks"]] == [made["id"]]
    assert firm.json("webhook", "remove", made["id"])["removed"] is True
