"""What the trust web tests share: a signed-in browser per principal and a snapshot of the books.

`Books.take()` records what a refused request must not change (entries, postings, every ledger
balance); the audit trail is compared separately, since a refusal is itself audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client

from lawledger.audit.models import AuditRecord
from lawledger.ledger.models import JournalEntry, LedgerAccount, Posting
from tests.access_matrix import Matrix
from tests.mfa import login as mfa_login


def browser_for(matrix: Matrix, who: str) -> Client:
    browser = Client()
    principal = matrix.principals[who]
    if principal is not None:
        mfa_login(browser, principal.label)
    return browser


@dataclass(frozen=True)
class Books:
    entries: int
    postings: int
    balances: tuple[tuple[int, int], ...]

    @classmethod
    def take(cls) -> Books:
        return cls(JournalEntry.objects.count(), Posting.objects.count(),
                   tuple(LedgerAccount.objects.order_by("pk").values_list("pk", "balance_minor")))


def audit_seq() -> int:
    last = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


def audited_since(seq: int, event: str | None = None) -> list[AuditRecord]:
    records = AuditRecord.objects.filter(seq__gt=seq).order_by("seq")
    if event is not None:
        records = records.filter(event=event)
    return list(records)
