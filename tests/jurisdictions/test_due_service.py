"""Each trust account's next reconciliation, from the reconciliations banking has signed off."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lawledger.audit.models import AuditRecord
from lawledger.banking.services import reconciliation_save
from lawledger.core.access import Role
from lawledger.core.errors import PermissionDenied
from lawledger.firm.services import firm_set
from lawledger.jurisdictions.queries import account_reconciliation_due, reconciliation_due_report
from lawledger.ledger.accounts import get_bank_account
from tests import factories
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.fixture
def books() -> str:
    factories.firm(uncleared_funds="off")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "1000.00", date="2026-01-10")
    return matter


def _next(today: str) -> tuple[str | None, str, bool, str]:
    due = account_reconciliation_due(get_bank_account("IOLTA"), D(today))
    return due["last_signed"], due["next_due"], due["overdue"], due["kind"]


def test_an_account_never_reconciled_is_due_from_its_first_month(books: str) -> None:
    assert _next("2026-02-20") == (None, "2026-02-28", False, "monthly_three_way")
    assert _next("2026-03-05") == (None, "2026-02-28", True, "monthly_three_way")


def test_a_signed_reconciliation_moves_the_next_due_date_per_pack(books: str) -> None:
    reconciliation_save(actor=OPERATOR, account="IOLTA", date="2026-01-31",
                        statement_balance="0.00", sign_off=True)
    assert _next("2026-03-05") == ("2026-01-31", "2026-03-31", False, "monthly_three_way")
    firm_set(actor=OPERATOR, key="jurisdiction", value="on")
    assert _next("2026-03-05") == ("2026-01-31", "2026-03-25", False, "monthly_trust_comparison")
    firm_set(actor=OPERATOR, key="jurisdiction", value="ew")
    assert _next("2026-03-08") == ("2026-01-31", "2026-03-07", True, "five_weekly_reconciliation")
    firm_set(actor=OPERATOR, key="jurisdiction", value="nsw")
    assert _next("2026-03-05") == ("2026-01-31", "2026-03-20", False,
                                   "monthly_reconciliation_statements")


def test_a_draft_does_not_count_as_a_reconciliation(books: str) -> None:
    reconciliation_save(actor=OPERATOR, account="IOLTA", date="2026-01-31",
                        statement_balance="0.00", sign_off=False)
    assert _next("2026-03-05")[0] is None


def test_the_report_lists_every_trust_account_and_is_audited(books: str) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC), tick=False):
        factories.trust_account("Escrow")  # opened today, nothing in it yet
        report = reconciliation_due_report(OPERATOR)
    assert (report["as_of"], report["jurisdiction"], report["overdue"]) == (
        "2026-03-05", "aba", 1)
    assert [(row["account"], row["last_signed"], row["next_due"], row["overdue"])
            for row in report["accounts"]] == [("Escrow", None, "2026-04-30", False),
                                               ("IOLTA", None, "2026-02-28", True)]
    assert report["accounts"][1]["duties"] == [{
        "kind": "monthly_three_way", "label": "Monthly three-way reconciliation",
        "source": "ABA Model Rules for Client Trust Account Records, rule 1 (reconciliations; "
                  "the model brackets the frequency, lawledger applies monthly)",
        "period_end": "2026-01-31", "due": "2026-02-28", "overdue": True,
        "periods_overdue": 1}]
    assert AuditRecord.objects.filter(event="jurisdiction.due_viewed").count() == 1


def test_an_attorney_may_not_see_the_firm_reconciliation_report(books: str) -> None:
    with pytest.raises(PermissionDenied):
        reconciliation_due_report(factories.user(Role.ATTORNEY))
