"""A firm with two clients for the portal tests, everything made through the services.

Client A (Acme Corp, matter M-0001) and client B (Beta LLC, matter M-0002) each have trust money,
a finalized invoice and a portal user; A also has a payment, a draft pre-bill that must never
show, an evergreen replenishment request, and a trust memo that is the firm's internal note.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.test import Client as Browser

from lawledger.billing import services as billing
from lawledger.core.access import Principal, Role
from tests import factories
from tests.billing.builders import billing_firm, draft, finalize, time
from tests.factories import OPERATOR
from tests.mfa import login

INTERNAL_MEMO = "INTERNAL-MEMO-CANARY call the partner first"
DRAFT_NARRATIVE = "DRAFT-ONLY-NARRATIVE not yet billed"
OTHER_NARRATIVE = "BETA-SECRET-NARRATIVE merger talks"
OTHER_PAYOR = "Beta Treasurer"


@dataclass
class Scene:
    matter: str
    other_matter: str
    client: str
    other_client: str
    invoice_id: str
    invoice_number: str
    other_invoice_id: str
    other_invoice_number: str
    draft_id: str
    portal: Principal
    other_portal: Principal
    bookkeeper: Principal
    attorney: Principal


def portal_firm() -> Scene:
    firm = billing_firm()
    other_client = factories.client("Beta LLC")
    other_attorney = factories.user(Role.ATTORNEY, email="olga@firm.example")
    other_matter = factories.matter(other_client, "Beta merger", responsible=other_attorney)
    factories.deposit(firm.matter, "1500.00", date="2026-03-02", payor="Acme Treasury",
                      memo=INTERNAL_MEMO)
    factories.deposit(other_matter, "900.00", date="2026-03-03", payor=OTHER_PAYOR)
    billing.arrangement_set(actor=OPERATOR, matter=firm.matter, kind="evergreen",
                            minimum="2000.00")
    billing.replenishment_check(actor=OPERATOR, matter=firm.matter, date="2026-03-04")
    time(firm, minutes=60, date="2026-03-10", narrative="Drafted the complaint")
    invoice = finalize(draft(firm, through="2026-03-31"), date="2026-04-01")
    time(firm, minutes=30, date="2026-03-12", matter=other_matter, by=other_attorney,
         narrative=OTHER_NARRATIVE)
    billing.rate_set(actor=OPERATOR, email=other_attorney.label, amount="450.00")
    other_invoice = finalize(draft(firm, through="2026-03-31", matter=other_matter),
                             date="2026-04-01")
    billing.invoice_pay(actor=OPERATOR, invoice=invoice.public_id, amount="100.00",
                        date="2026-04-05", method="check", reference="CHK-1001")
    time(firm, minutes=45, date="2026-04-10", narrative=DRAFT_NARRATIVE)
    pending = draft(firm, through="2026-04-30")
    portal = factories.user(Role.CLIENT, email="ana@acme.example", client=firm.client)
    other_portal = factories.user(Role.CLIENT, email="bob@beta.example", client=other_client)
    return Scene(firm.matter, other_matter, firm.client, other_client, invoice.public_id,
                 invoice.number, other_invoice.public_id, other_invoice.number,
                 pending.public_id, portal, other_portal, firm.bookkeeper, firm.attorney)


def signed_in(email: str) -> Browser:
    browser = Browser()
    login(browser, email)
    return browser
