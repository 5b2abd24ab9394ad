"""Every `lawledger jurisdiction` and `lawledger notices` command over the role matrix: the
outcome the policy gives, refusals audited, nothing changed by a refusal, walls respected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lawledger.audit.models import AuditRecord
from lawledger.core.access import Action
from lawledger.interfaces.cli.app import app
from lawledger.jurisdictions.models import ClientNotice, ResidualPayment
from lawledger.ledger.models import JournalEntry
from tests.access_matrix import EXPECTED_VIEW, Matrix

pytestmark = pytest.mark.django_db
PRINCIPALS = sorted(who for who in EXPECTED_VIEW if who != "anonymous")
FIRM_REPORTS = [("jurisdiction", "due"), ("jurisdiction", "retention"),
                ("jurisdiction", "unclaimed"), ("jurisdiction", "register"),
                ("jurisdiction", "position"), ("jurisdiction", "records"), ("notices", "due"),
                ("notices", "list")]


def _email(matrix: Matrix, who: str) -> str:
    principal = matrix.principals[who]
    assert principal is not None
    return principal.label


def _run(matrix: Matrix, who: str, *args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, [*args, "--json", "--as", _email(matrix, who)])
    return result.exit_code, json.loads(result.stdout)


def _last_event() -> str:
    return AuditRecord.objects.order_by("-seq").values_list("event", flat=True)[0]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_the_firm_reports_follow_the_policy_for(matrix: Matrix, who: str) -> None:
    allowed = matrix.may(who, Action.VIEW_FIRM_REPORTS) or who == "admin_walled"
    for args in FIRM_REPORTS:
        code, document = _run(matrix, who, *args)
        if allowed:
            assert code == 0, (args, document)
        else:
            assert (code, document["error"]["code"]) == (1, "permission_denied"), args  # type: ignore[index]
            assert _last_event() == "rule.refused"


@pytest.mark.parametrize("who", PRINCIPALS)
def test_anyone_signed_in_may_read_the_rules_themselves(matrix: Matrix, who: str) -> None:
    code, document = _run(matrix, who, "jurisdiction", "show", "ew")
    assert (code, document["code"], document["unclaimed"]["without_authorisation_max_minor"]) == (  # type: ignore[index]
        0, "ew", 50_000)
    code, document = _run(matrix, who, "jurisdiction", "list")
    assert code == 0 and [p["code"] for p in document["packs"] if p["active"]] == ["aba"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_paying_a_residual_balance_follows_the_policy_for(matrix: Matrix, who: str) -> None:
    entries = JournalEntry.objects.count()
    code, document = _run(matrix, who, "jurisdiction", "pay-residual", matrix.matter,
                          "--date", "2026-03-20", "--steps", "letters returned undelivered")
    if matrix.may(who, Action.RECORD_DISBURSEMENT):
        assert code == 0, document
        assert (document["amount"], document["kind"], document["payee"]) == (
            "500.00", "remit_to_authority", "State unclaimed property administrator")
        assert ResidualPayment.objects.count() == 1
        return
    assert ResidualPayment.objects.count() == 0 and JournalEntry.objects.count() == entries
    if EXPECTED_VIEW[who]:
        assert (code, document["error"]["code"]) == (1, "permission_denied")  # type: ignore[index]
    else:
        assert (code, document["error"]["code"]) == (2, "not_found")  # type: ignore[index]
        assert _last_event() == "access.denied"


@pytest.mark.parametrize("who", PRINCIPALS)
def test_notices_follow_the_policy_for(matrix: Matrix, who: str, tmp_path: Path) -> None:
    from lawledger.firm.services import firm_set
    from tests.factories import OPERATOR

    firm_set(actor=OPERATOR, key="jurisdiction", value="wa")
    out = tmp_path / "notice.pdf"
    code, document = _run(matrix, who, "notices", "generate", matrix.matter, "--kind",
                          "annual_accounting", "--out", str(out))
    if matrix.may(who, Action.RECORD_DEPOSIT):
        assert code == 0, document
        assert out.read_bytes().startswith(b"%PDF-")
        notice = str(document["id"])
    else:
        assert code == (1 if EXPECTED_VIEW[who] else 2)
        assert not out.exists() and ClientNotice.objects.count() == 0
        code, made = _run(matrix, "admin", "notices", "generate", matrix.matter, "--kind",
                          "annual_accounting")
        assert code == 0
        notice = str(made["id"])
    code, listed = _run(matrix, who, "notices", "list", "--matter", matrix.matter)
    code_pdf, written = _run(matrix, who, "notices", "pdf", notice, "--out",
                             str(tmp_path / "copy.pdf"))
    if EXPECTED_VIEW[who]:
        assert (code, code_pdf) == (0, 0)
        assert [row["id"] for row in listed["notices"]] == [notice]  # type: ignore[attr-defined]
        assert (tmp_path / "copy.pdf").read_bytes().startswith(b"%PDF-")
    else:
        assert (code, code_pdf) == (2, 2)
        assert written["error"]["message"] == f"notice: no notice {notice!r}"  # type: ignore[index]
        assert not (tmp_path / "copy.pdf").exists()
        assert _last_event() == "access.denied"


def test_a_walled_admin_sees_the_walled_matter_only_as_a_figure(matrix: Matrix) -> None:
    code, position = _run(matrix, "admin_walled", "jurisdiction", "position")
    assert code == 0
    (account,) = position["accounts"]  # type: ignore[misc]
    assert account["client_ledgers"] == [
        {"matter": "(behind an ethical wall)", "client": "", "balance": "500.00"},
        {"matter": matrix.other_matter, "client": "Client B", "balance": "250.00"}]
    assert account["held_for_clients"] == account["client_ledgers_total"] == "750.00"
    code, retention = _run(matrix, "admin_walled", "jurisdiction", "retention")
    assert sorted(row["matter"] for row in retention["matters"]) == [  # type: ignore[attr-defined]
        "(behind an ethical wall)", matrix.other_matter]
