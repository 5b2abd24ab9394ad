"""`lawledger trust ledger|journal|listing|inactive --csv FILE --pdf FILE`: the same document on
stdout, the files written whole and private, every file audited as an export, and refusals
writing nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lawledger.core.access import Action
from lawledger.interfaces.cli.trust import trust_app
from tests.access_matrix import EXPECTED_VIEW, Matrix
from tests.cli import FreshFirm, fresh_firm
from tests.web_trust.helpers import audit_seq, audited_since


def _run(*args: str, who: str) -> tuple[int, str]:
    result = CliRunner().invoke(trust_app, [*args, "--as", f"{who}@firm.example"])
    return result.exit_code, result.stdout


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


@pytest.mark.django_db
def test_the_ledger_is_written_as_csv_and_pdf_beside_the_same_json(matrix: Matrix,
                                                                   tmp_path: Path) -> None:
    plain_code, plain = _run("ledger", matrix.matter, "--json", who="bookkeeper")
    since = audit_seq()
    code, out = _run("ledger", matrix.matter, "--json", "--csv", str(tmp_path / "l.csv"),
                     "--pdf", str(tmp_path / "l.pdf"), who="bookkeeper")
    assert plain_code == code == 0
    assert json.loads(out) == json.loads(plain)
    for name in ("l.csv", "l.pdf"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert [(row["Received from"], row["Amount"]) for row in _csv_rows(tmp_path / "l.csv")] == [
        ("Canary Payor 7731", "500.00")]
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF-")
    exports = audited_since(since, "export.created")
    assert [(e.actor, e.details["format"], e.details["sha256"]) for e in exports] == [
        ("bookkeeper@firm.example", fmt,
         hashlib.sha256((tmp_path / f"l.{fmt}").read_bytes()).hexdigest())
        for fmt in ("csv", "pdf")]
    assert list(tmp_path.glob(".*.part")) == []


@pytest.mark.django_db
def test_the_listing_file_holds_only_what_the_user_may_see(matrix: Matrix,
                                                           tmp_path: Path) -> None:
    code, _ = _run("listing", "--csv", str(tmp_path / "mine.csv"), who="attorney_assigned")
    assert code == 0
    assert [(row["Ledger"], row["Balance"]) for row in _csv_rows(tmp_path / "mine.csv")] == [
        (matrix.matter, "500.00")]


@pytest.mark.django_db
def test_the_journal_and_inactive_balances_are_written_for_the_auditor(
        matrix: Matrix, tmp_path: Path) -> None:
    code, _ = _run("journal", "IOLTA", "--csv", str(tmp_path / "j.csv"), who="auditor")
    assert code == 0
    assert [row["Balance"] for row in _csv_rows(tmp_path / "j.csv")] == ["500.00", "750.00"]
    code, _ = _run("inactive", "--months", "1", "--pdf", str(tmp_path / "i.pdf"), who="auditor")
    assert code == 0 and (tmp_path / "i.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "who", "exit_code", "audited"), [
    (("journal", "IOLTA"), "attorney_assigned", 1, "rule.refused"),
    (("ledger", "M-0001"), "attorney_unassigned", 2, "access.denied"),
    (("ledger", "M-0001"), "admin_walled", 2, "access.denied"),
])
def test_a_refused_export_writes_no_file_and_is_audited(
        matrix: Matrix, tmp_path: Path, args: tuple[str, ...], who: str, exit_code: int,
        audited: str) -> None:
    since = audit_seq()
    code, _ = _run(*args, "--csv", str(tmp_path / "out.csv"), who=who)
    assert code == exit_code
    assert list(tmp_path.iterdir()) == []
    assert audited_since(since, "export.created") == []
    assert audited in [record.event for record in audited_since(since)]


@pytest.mark.django_db
@pytest.mark.parametrize("who", sorted(w for w in EXPECTED_VIEW if w != "anonymous"))
def test_the_ledger_and_journal_exports_follow_the_policy_for(matrix: Matrix, tmp_path: Path,
                                                              who: str) -> None:
    principal = matrix.principals[who]
    assert principal is not None
    firm_wide = matrix.may(who, Action.VIEW_FIRM_REPORTS) or who == "admin_walled"
    # A hidden matter is not found (exit 2); a firm report the role may not read is refused (1).
    for args, allowed, name, refusal in (
            (("ledger", matrix.matter), matrix.may(who), "l.csv", (2, "access.denied")),
            (("journal", "IOLTA"), firm_wide, "j.csv", (1, "rule.refused"))):
        since = audit_seq()
        result = CliRunner().invoke(trust_app, [*args, "--json", "--csv", str(tmp_path / name),
                                                "--as", principal.label])
        exports = audited_since(since, "export.created")
        if allowed:
            assert result.exit_code == 0, (args, result.stdout)
            assert [(e.actor, e.details["sha256"]) for e in exports] == [
                (principal.label, hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())]
        else:
            assert result.exit_code == refusal[0], (args, result.stdout)
            assert not (tmp_path / name).exists()
            assert exports == []
            assert [r.event for r in audited_since(since)] == [refusal[1]]


@pytest.mark.django_db
def test_a_file_that_cannot_be_written_is_named_before_anything_is_read(
        matrix: Matrix, tmp_path: Path) -> None:
    since = audit_seq()
    result = CliRunner().invoke(trust_app, ["listing", "--csv", str(tmp_path / "no" / "x.csv"),
                                            "--as", "bookkeeper@firm.example", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["param"] == "csv"
    code, _ = _run("listing", "--pdf", str(tmp_path), who="bookkeeper")
    assert code == 2
    assert audited_since(since) == []


@pytest.mark.slow
def test_the_installed_command_writes_the_report_files(tmp_path: Path) -> None:
    firm: FreshFirm
    with fresh_firm(tmp_path) as firm:
        firm.ok("client", "add", '=HYPERLINK("http://x","pay")')
        firm.ok("matter", "open", "C-0001", "Sale")
        firm.ok("account", "add", "IOLTA", "--kind", "trust")
        firm.ok("trust", "deposit", "M-0001", "1250.00", "--account", "IOLTA", "--date",
                "2026-03-10", "--from", "@SUM(1)")
        done = firm.ok("trust", "ledger", "M-0001", "--json", "--csv", str(tmp_path / "l.csv"),
                       "--pdf", str(tmp_path / "l.pdf"))
        assert json.loads(done.stdout)["balance"] == "1250.00"
        assert "wrote CSV to" in done.stderr and "wrote PDF to" in done.stderr
        rows = _csv_rows(tmp_path / "l.csv")
        assert [(row["Received from"], row["Amount"]) for row in rows] == [("'@SUM(1)", "1250.00")]
        assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF-")
