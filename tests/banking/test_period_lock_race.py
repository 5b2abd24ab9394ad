"""SECURITY.md D5: sign off March while another connection posts entries dated 31 March.

Each entry either committed before the sign-off read the books (and is in the signed report) or
is refused with period_locked; no entry ever sits inside a signed period unreported.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection
from django.db.models import Sum

from lawledger.banking.models import Reconciliation
from lawledger.banking.services import auto_match, reconciliation_save
from lawledger.core.access import Role
from lawledger.core.errors import PeriodLocked
from lawledger.core.formats.statement import LineKind
from lawledger.ledger.models import JournalEntry, Posting
from tests import factories
from tests.banking.builders import line, load, statement

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_entry_racing_the_sign_off_is_either_in_the_report_or_refused() -> None:
    factories.firm(uncleared_funds="off")
    factories.trust_account()
    matter = factories.matter()
    factories.deposit(matter, "100.00", date="2026-03-02")
    load(statement(line(1, "2026-03-03", 10_000, LineKind.DEPOSIT, bank_reference="F1")))
    auto_match(actor=factories.OPERATOR, account="IOLTA")
    admin = factories.user(Role.ADMIN)
    committed: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    first_posted = threading.Event()
    signed_off = threading.Event()

    def post_until_refused() -> None:
        try:
            # Post until the sign-off refuses one: a loaded machine may need many rounds.
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    entry = factories.deposit(matter, "1.00", date="2026-03-31").entry
                except PeriodLocked as refusal:
                    refused.append(refusal.code)
                    return
                committed.append(entry.public_id)
                first_posted.set()
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            first_posted.set()
            connection.close()

    def sign_off() -> None:
        try:
            first_posted.wait(30)
            reconciliation_save(actor=admin, account="IOLTA", date="2026-03-31",
                                statement_balance="100.00", sign_off=True)
        except BaseException as exc:
            errors.append(exc)
        finally:
            signed_off.set()
            connection.close()

    threads = [threading.Thread(target=post_until_refused), threading.Thread(target=sign_off)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert refused == ["period_locked"]
    signed = Reconciliation.objects.get(status="signed")
    report = json.loads(signed.report_json)
    in_transit = {item["id"] for item in report["items"] if item["type"] == "deposit_in_transit"}
    assert set(committed) == in_transit  # every entry that got in is in the signed report
    booked = Posting.objects.filter(ledger_account__kind="trust_bank",
                                    effective_date__lte="2026-03-31").aggregate(
        total=Sum("amount_minor"))["total"]
    assert report["journal_balance"] == f"{booked // 100}.{booked % 100:02d}"
    assert report["balanced"] is True
    assert JournalEntry.objects.filter(effective_date="2026-03-31").count() == len(committed)
