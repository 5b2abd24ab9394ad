"""The command-line contract of `lawledger jurisdiction …` and `lawledger notices …`: one JSON
document, exit 0 / 1 (a rule, named on stderr) / 2 (bad input), `firm show` keys unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lawledger.firm.services import firm_set
from lawledger.interfaces.cli.app import app
from lawledger.jurisdictions.models import ClientNotice
from tests import factories
from tests.cli import fresh_firm
from tests.factories import OPERATOR
from tests.jurisdictions.test_defaults import FIRM_SHOW_KEYS


def test_a_fresh_firm_moves_to_england_and_the_sra_threshold_is_enforced(tmp_path: Path) -> None:
    with fresh_firm(tmp_path) as firm:
        chosen = firm.json("firm", "set", "jurisdiction", "ew")
        assert set(FIRM_SHOW_KEYS) <= set(chosen)
        assert (chosen["jurisdiction"], chosen["base_currency"], chosen["time_zone"]) == (
            "ew", "GBP", "Europe/London")
        assert firm.json("firm", "show") == chosen
        pack = firm.json("jurisdiction", "show")
        assert (pack["code"], pack["active"], pack["reconciliation_duties"][0]["source"]) == (
            "ew", True, "SRA Accounts Rules 2019 rule 8.3")
        firm.ok("account", "add", "Client Account", "--kind", "trust")
        firm.ok("client", "add", "Ms A. Owner")
        firm.ok("matter", "open", "C-0001", "Conveyance")
        firm.ok("trust", "deposit", "M-0001", "500.01", "--account", "Client Account",
                "--date", "2023-01-05", "--from", "Ms A. Owner")
        refused = firm.run("jurisdiction", "pay-residual", "M-0001", "--date", "2026-01-05",
                           "--steps", "two letters, one trace", "--to", "Shelter",
                           "--charity-number", "263710", "--json")
        assert refused.code == 1
        assert refused.json["error"]["code"] == "residual_balance_needs_authorisation"
        assert "error: residual_balance_needs_authorisation: 500.01 GBP is more than 500.00 GBP" \
            in refused.stderr
        bad = firm.run("jurisdiction", "reconciliation", "--json")
        assert (bad.code, bad.json["error"]["param"]) == (2, "account")


@pytest.mark.django_db
def test_the_reconciliation_takes_the_north_carolina_form(tmp_path: Path) -> None:
    factories.firm(uncleared_funds="off")
    firm_set(actor=OPERATOR, key="jurisdiction", value="nc")
    factories.trust_account()
    factories.deposit(factories.matter(), "1275.00", date="2026-03-02")
    result = CliRunner().invoke(app, ["jurisdiction", "reconciliation", "IOLTA", "--date",
                                      "2026-03-31", "--statement-balance", "1275.00", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (section,) = report["sections"]
    assert [line["number"] for line in section["lines"]] == ["1", None, "2", "3", "4", "5", "6",
                                                             "7"]
    assert (section["lines"][6]["amount"], section["lines"][7]["answer"]) == ("2550.00",
                                                                              "does not agree")
    text = CliRunner().invoke(app, ["jurisdiction", "reconciliation", "IOLTA", "--date",
                                    "2026-03-31", "--statement-balance", "0.00"])
    assert text.exit_code == 0
    assert "North Carolina State Bar Reconciliation Report, quarterly (entire form)" in text.stdout
    assert "Adjusted bank balance" in text.stdout


@pytest.mark.django_db
def test_a_notice_with_nowhere_to_write_is_bad_input_and_logs_nothing(tmp_path: Path) -> None:
    factories.firm(uncleared_funds="off")
    firm_set(actor=OPERATOR, key="jurisdiction", value="wa")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "10.00", date="2026-03-02")
    result = CliRunner().invoke(app, ["notices", "generate", matter, "--kind",
                                      "annual_accounting", "--out",
                                      str(tmp_path / "missing" / "n.pdf"), "--json"])
    assert (result.exit_code, json.loads(result.stdout)["error"]["param"]) == (2, "out")
    assert ClientNotice.objects.count() == 0


@pytest.mark.django_db
def test_the_record_check_names_the_missing_field_and_its_rule() -> None:
    factories.firm(uncleared_funds="off")
    firm_set(actor=OPERATOR, key="jurisdiction", value="wa")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "100.00", date="2026-03-02", memo="retainer for the lease")
    paid = factories.disburse(matter, "40.00", date="2026-03-10", payee="Clerk",
                              check_number="1001").entry
    result = CliRunner().invoke(app, ["jurisdiction", "records", "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["checked"], report["incomplete"]) == (2, [{
        "account": "IOLTA", "id": paid.public_id, "date": "2026-03-10", "kind": "disbursement",
        "matter": matter, "missing": [{"field": "purpose", "source": "RPC 1.15B(a)(2)(i)"}]}])
