"""Bank statements, matching and reconciliation over the API: a month imported (and re-imported:
nothing doubles), matched, previewed and signed off; refused for roles and tokens without the
firm-wide view."""

from __future__ import annotations

import pytest

from lawledger.banking import services as banking
from lawledger.banking.models import BankLine
from tests.api.conftest import MoneyFirm
from tests.api.support import Api, mint
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

MARCH_CSV = ("Date,Description,Amount,Check\n"
             "2026-03-10,Deposit client A,500.00,\n"
             "2026-03-10,Deposit client B,250.00,\n"
             "2026-03-31,Service charge,-15.00,\n")
PROFILE = {"date_column": "Date", "amount_column": "Amount",
           "description_columns": ["Description"], "check_number_column": "Check"}


def _api(firm: MoneyFirm, who: str, **kwargs: object) -> Api:
    principal = firm.matrix.principals[who]
    assert principal is not None
    return Api(mint(principal, **kwargs))  # type: ignore[arg-type]


def test_a_month_is_imported_once_matched_and_signed_off_through_the_api(
        firm: MoneyFirm) -> None:
    banking.csv_profile_add(actor=OPERATOR, name="plain", definition=PROFILE)
    keeper = _api(firm, "bookkeeper")
    path = f"/bank-accounts/{firm.account_id}"
    body = {"content": MARCH_CSV, "format": "csv", "profile": "plain", "file_name": "march.csv"}
    first = keeper.post(f"{path}/statements", body, key="import-1")
    assert first.status == 201, first.body
    assert (first.body["new"], first.body["duplicate"], first.body["already_imported"]) == (
        3, 0, False)
    again = keeper.post(f"{path}/statements", body, key="import-2")
    assert (again.status, again.body["new"], again.body["duplicate"],
            again.body["already_imported"]) == (201, 0, 3, True)
    assert BankLine.objects.count() == 3
    matched = keeper.post(f"{path}/auto-match", key="match-1")
    assert matched.status == 200, matched.body
    confirmed = [keeper.post(f"/matches/{row['id']}/confirm").status
                 for row in keeper.get(f"{path}/matches").body["matches"]]
    assert confirmed and set(confirmed) == {200}
    preview = keeper.get(f"{path}/reconciliation", {"date": "2026-03-31",
                                                    "statement_balance": "735.00"}).body
    assert {key: preview[key] for key in ("statement_balance", "adjusted_bank_balance",
                                          "journal_balance", "client_ledgers_total",
                                          "balanced")} == {
        "statement_balance": "735.00", "adjusted_bank_balance": "750.00",
        "journal_balance": "750.00", "client_ledgers_total": "750.00", "balanced": True}
    sign = {"date": "2026-03-31", "statement_balance": "735.00", "sign_off": True}
    refused = keeper.post(f"{path}/reconciliations", sign)
    assert (refused.status, refused.error["code"]) == (403, "permission_denied")
    signed = _api(firm, "admin").post(f"{path}/reconciliations", sign)
    assert (signed.status, signed.body["status"], signed.body["balanced"]) == (201, "signed", True)
    locked = keeper.post("/trust/deposits", {"matter": firm.matrix.matter, "account": "IOLTA",
                                             "amount": "5.00", "currency": "USD",
                                             "date": "2026-03-31", "payor": "Client A"},
                         key="late-1")
    assert (locked.status, locked.error["code"]) == (409, "period_locked")


def test_banking_is_refused_to_roles_and_tokens_without_the_firm_wide_view(
        firm: MoneyFirm) -> None:
    path = f"/bank-accounts/{firm.account_id}"
    body = {"content": MARCH_CSV, "format": "csv"}
    for who in ("attorney_assigned", "paralegal_assigned"):
        answer = _api(firm, who).get(f"{path}/lines")
        assert (answer.status, answer.error["code"]) == (403, "permission_denied"), who
    auditor = _api(firm, "auditor")
    assert auditor.get(f"{path}/lines").status == 200
    answer = auditor.post(f"{path}/statements", body)
    assert (answer.status, answer.error["code"]) == (403, "permission_denied")
    limited = _api(firm, "bookkeeper", clients=[firm.matrix.client])
    answer = limited.post(f"{path}/statements", body)
    assert (answer.status, answer.error["code"]) == (403, "token_limited_to_clients")
    assert BankLine.objects.count() == 0
